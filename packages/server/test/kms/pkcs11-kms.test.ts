/**
 * The PKCS#11 KMS against SoftHSM2: the shared KMS contract, then what an HSM must add — the
 * master key cannot be read or wrapped out through PKCS#11, rotation creates a new labelled
 * key inside the token, and setup mistakes fail clearly without echoing the PIN.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { KmsError, type Kms } from '../../src/kms/kms.js';
import { openLocalKms } from '../../src/kms/local-kms.js';
import { openPkcs11Kms, type Pkcs11KmsOptions } from '../../src/kms/pkcs11-kms.js';
import { assertKmsError, kmsContract } from '../contracts/kms-contract.js';
import { withSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONTEXT = { purpose: 'pkcs11-test', videoId: 'v-1' };

await withSoftHsm('PKCS#11 KMS on SoftHSM2', 2, ({ tokens }) => {
  const [token, other] = tokens as [SoftHsmToken, SoftHsmToken];
  let counter = 0;
  const options = (keyLabel = `test-master-${++counter}`): Pkcs11KmsOptions => ({
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    keyLabel,
  });

  kmsContract('PKCS#11 (SoftHSM2)', () => openPkcs11Kms(options()));

  /**
   * A raw PKCS#11 session on the token, as an attacker holding the PIN would have one. It shares
   * the library the KMS initialised, so it neither initialises nor finalises it.
   */
  async function withRawSession(body: (module: pkcs11js.PKCS11, session: Buffer) => void): Promise<void> {
    const keepAlive = await openPkcs11Kms(options()); // holds the library initialised
    const module = new pkcs11js.PKCS11();
    module.load(token.modulePath);
    try {
      module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      assert.ok(
        error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED,
      );
    }
    const slot = module
      .C_GetSlotList(true)
      .find((s) => module.C_GetTokenInfo(s).label.trim() === token.tokenLabel)!;
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      body(module, session);
    } finally {
      module.C_CloseSession(session);
      await keepAlive.close();
    }
  }

  function findKey(module: pkcs11js.PKCS11, session: Buffer, label: string): Buffer {
    module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: label }]);
    const found = module.C_FindObjects(session, 10);
    module.C_FindObjectsFinal(session);
    assert.equal(found.length, 1, `one object labelled ${label}`);
    return found[0]!;
  }

  /** PKCS#11 2.40's CKR_ACTION_PROHIBITED, which pkcs11js prints as CKR_VENDOR_DEFINED:27. */
  const CKR_ACTION_PROHIBITED = 0x1b;

  function pkcs11Code(...codes: number[]): (error: unknown) => boolean {
    return (error) => {
      // Some pkcs11js calls throw a plain Error whose message is "CKR_NAME:code".
      assert.ok(error instanceof Error, String(error));
      const code =
        error instanceof pkcs11js.Pkcs11Error ? error.code : Number(/CKR_\w+:(\d+)/.exec(error.message)?.[1]);
      assert.ok(codes.includes(code), `unexpected ${error.message}`);
      return true;
    };
  }

  describe('PKCS#11 KMS specifics', () => {
    it('keeps the master key inside the token: sensitive, never extractable, generated there', async () => {
      const label = `extract-${++counter}`;
      const kms = await openPkcs11Kms(options(label));
      const key = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
      await kms.close();
      await withRawSession((module, session) => {
        try {
          module.C_Login(session, pkcs11js.CKU_USER, token.pin);
        } catch (error) {
          assert.ok(
            error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN,
          );
        }
        const master = findKey(module, session, `${label}/v1`);
        const flags = module.C_GetAttributeValue(session, master, [
          { type: pkcs11js.CKA_SENSITIVE },
          { type: pkcs11js.CKA_EXTRACTABLE },
          { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
          { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
          { type: pkcs11js.CKA_LOCAL },
          { type: pkcs11js.CKA_TOKEN },
          { type: pkcs11js.CKA_PRIVATE },
        ]);
        assert.deepEqual(
          flags.map((a) => a.value[0]),
          [1, 0, 1, 1, 1, 1, 1],
          'sensitive, not extractable, always sensitive, never extractable, local, token, private',
        );

        // 1. Read the value directly.
        assert.throws(
          () => module.C_GetAttributeValue(session, master, [{ type: pkcs11js.CKA_VALUE }]),
          pkcs11Code(pkcs11js.CKR_ATTRIBUTE_SENSITIVE),
        );
        // 2. Wrap it out under a key the attacker made (and so knows).
        const wrapping = module.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
          { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_WRAP, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: false },
        ]);
        for (const mechanism of [pkcs11js.CKM_AES_KEY_WRAP, pkcs11js.CKM_AES_KEY_WRAP_PAD]) {
          assert.throws(
            () => module.C_WrapKey(session, { mechanism }, wrapping, master, Buffer.alloc(256)),
            pkcs11Code(pkcs11js.CKR_KEY_UNEXTRACTABLE, pkcs11js.CKR_KEY_NOT_WRAPPABLE),
          );
        }
        // 3. Make it extractable, or copy it into an extractable object.
        assert.throws(
          () =>
            module.C_SetAttributeValue(session, master, [{ type: pkcs11js.CKA_EXTRACTABLE, value: true }]),
          pkcs11Code(pkcs11js.CKR_ATTRIBUTE_READ_ONLY, CKR_ACTION_PROHIBITED),
        );
        assert.throws(
          () =>
            module.C_CopyObject(session, master, [
              { type: pkcs11js.CKA_TOKEN, value: false },
              { type: pkcs11js.CKA_EXTRACTABLE, value: true },
            ]),
          pkcs11Code(
            pkcs11js.CKR_ATTRIBUTE_READ_ONLY,
            CKR_ACTION_PROHIBITED,
            pkcs11js.CKR_TEMPLATE_INCONSISTENT,
          ),
        );
        module.C_DestroyObject(session, wrapping);
      });
      // The blob is still good: nothing above changed the key.
      const again = await openPkcs11Kms(options(label));
      try {
        assert.deepEqual((await again.decrypt(key.ciphertextBlob, CONTEXT)).plaintext, key.plaintext);
      } finally {
        await again.close();
      }
    });

    it('rotates by creating <label>/v<N+1> in the token; every older blob still decrypts, here and elsewhere', async () => {
      const label = `rotate-${++counter}`;
      const first = await openPkcs11Kms(options(label));
      const second = await openPkcs11Kms(options(label)); // another node on the same HSM
      try {
        const v1 = await first.generateDataKey({ bytes: 32, context: CONTEXT });
        assert.deepEqual(await first.rotate(), { version: 2 });
        const v2 = await first.encrypt(Uint8Array.of(2), CONTEXT);
        assert.equal(Buffer.from(v2.ciphertextBlob, 'base64').readUInt32BE(5), 2);
        assert.equal(first.keyId, `pkcs11/${label}`);
        // The other node learns v2 from the blob that names it.
        assert.deepEqual((await second.decrypt(v2.ciphertextBlob, CONTEXT)).plaintext, Uint8Array.of(2));
        assert.deepEqual((await second.decrypt(v1.ciphertextBlob, CONTEXT)).plaintext, v1.plaintext);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
      const reopened = await openPkcs11Kms(options(label));
      try {
        const blob = (await reopened.encrypt(Uint8Array.of(3), CONTEXT)).ciphertextBlob;
        assert.equal(Buffer.from(blob, 'base64').readUInt32BE(5), 2, 'the highest version is current');
      } finally {
        await reopened.close();
      }
    });

    it('keeps key labels and tokens apart: a blob opens only under its own master key', async () => {
      const a = await openPkcs11Kms(options());
      const b = await openPkcs11Kms(options());
      const elsewhere = await openPkcs11Kms({
        modulePath: other.modulePath,
        slot: other.slot,
        pin: other.pin,
        keyLabel: 'test-master-1',
      });
      const dir = await mkdtemp(join(tmpdir(), 'securevod-kms-'));
      const local = await openLocalKms({ dir: join(dir, 'kms') });
      try {
        const blob = (await a.encrypt(Uint8Array.of(1), CONTEXT)).ciphertextBlob;
        await assertKmsError(b.decrypt(blob, CONTEXT), ['InvalidCiphertext'], 'other label');
        await assertKmsError(elsewhere.decrypt(blob, CONTEXT), ['InvalidCiphertext'], 'other token');
        await assertKmsError(local.decrypt(blob, CONTEXT), ['InvalidCiphertext'], 'local KMS');
        const localBlob = (await local.encrypt(Uint8Array.of(1), CONTEXT)).ciphertextBlob;
        await assertKmsError(a.decrypt(localBlob, CONTEXT), ['InvalidCiphertext'], 'local blob');
      } finally {
        await Promise.all([a.close(), b.close(), elsewhere.close(), local.close()]);
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('serves many operations at once over its session pool', async () => {
      const kms = await openPkcs11Kms(options());
      try {
        const keys = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            kms.generateDataKey({ bytes: 16, context: { ...CONTEXT, i: `${i}` } }),
          ),
        );
        const opened = await Promise.all(
          keys.map((k, i) => kms.decrypt(k.ciphertextBlob, { ...CONTEXT, i: `${i}` })),
        );
        opened.forEach((o, i) => assert.deepEqual(o.plaintext, keys[i]!.plaintext));
        await kms.ping();
      } finally {
        await kms.close();
      }
      await assertKmsError(kms.ping(), ['KmsUnavailable'], 'ping after close');
    });

    it('fails to open with a clear message for a wrong PIN, token or module, never echoing the PIN', async () => {
      const cases: [Partial<Pkcs11KmsOptions>, RegExp][] = [
        [{ pin: 'wrong-pin-1234' }, /Cannot log in to token .*CKR_PIN_INCORRECT/],
        [{ tokenLabel: 'no-such-token' }, /No token "no-such-token" .*present: .*securevod-/],
        [
          { modulePath: '/nonexistent/libpkcs11.so' },
          /Cannot load the PKCS#11 module \/nonexistent\/libpkcs11.so/,
        ],
      ];
      for (const [change, pattern] of cases) {
        await assert.rejects(openPkcs11Kms({ ...options(), ...change }), (error: unknown) => {
          assert.ok(error instanceof KmsError);
          assert.equal(error.code, 'KmsUnavailable');
          assert.match(error.message, pattern);
          assert.ok(!error.message.includes('wrong-pin-1234') && !error.message.includes(token.pin));
          return true;
        });
      }
      // The failed attempts left the library usable.
      const kms: Kms = await openPkcs11Kms(options());
      await kms.close();
    });
  });
});
