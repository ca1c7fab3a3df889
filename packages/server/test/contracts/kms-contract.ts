/**
 * Conformance suite of the `Kms` contract (src/kms/kms.ts). Every implementation's test calls
 * `kmsContract(name, makeKms)`; `makeKms` returns a fresh, open KMS, which the suite closes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KmsError, type Kms } from '../../src/kms/kms.js';

const CONTEXT = { purpose: 'contract-test', videoId: 'v-1' } as const;

/** Passes if `promise` rejects with a KmsError whose code is one of `codes`. */
export async function assertKmsError(promise: Promise<unknown>, codes: readonly string[], what: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KmsError, `${what}: expected a KmsError, got ${String(error)}`);
    assert.ok(codes.includes(error.code), `${what}: expected code ${codes.join(' or ')}, got ${error.code}`);
    return true;
  });
}

export function kmsContract(name: string, makeKms: () => Promise<Kms>): void {
  describe(`Kms contract: ${name}`, () => {
    async function withKms(body: (kms: Kms) => Promise<void>): Promise<void> {
      const kms = await makeKms();
      try {
        await body(kms);
      } finally {
        await kms.close();
      }
    }

    for (const bytes of [16, 32] as const) {
      it(`generates a ${bytes}-byte data key whose blob decrypts to it`, () =>
        withKms(async (kms) => {
          const key = await kms.generateDataKey({ bytes, context: CONTEXT });
          assert.equal(key.plaintext.length, bytes);
          assert.equal(key.keyId, kms.keyId);
          assert.match(key.ciphertextBlob, /^[A-Za-z0-9+/]+={0,2}$/);
          assert.ok(!key.ciphertextBlob.includes(Buffer.from(key.plaintext).toString('base64')));
          const opened = await kms.decrypt(key.ciphertextBlob, CONTEXT);
          assert.deepEqual(opened.plaintext, key.plaintext);
          assert.equal(opened.keyId, kms.keyId);
        }));
    }

    it('gives different data keys and different blobs each time', () =>
      withKms(async (kms) => {
        const a = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
        const b = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
        assert.notDeepEqual(a.plaintext, b.plaintext);
        assert.notEqual(a.ciphertextBlob, b.ciphertextBlob);
      }));

    it('encrypts and decrypts caller plaintext, including empty and large values', () =>
      withKms(async (kms) => {
        const samples = [
          new TextEncoder().encode('an AccessKey secret'),
          new Uint8Array(0),
          Uint8Array.from({ length: 100_000 }, (_, i) => i % 251),
        ];
        for (const plaintext of samples) {
          const { keyId, ciphertextBlob } = await kms.encrypt(plaintext, CONTEXT);
          assert.equal(keyId, kms.keyId);
          const opened = await kms.decrypt(ciphertextBlob, CONTEXT);
          assert.deepEqual(opened.plaintext, plaintext);
        }
        // Same plaintext twice: blobs differ (fresh IV), so equal secrets are not visible as such.
        const one = await kms.encrypt(samples[0]!, CONTEXT);
        const two = await kms.encrypt(samples[0]!, CONTEXT);
        assert.notEqual(one.ciphertextBlob, two.ciphertextBlob);
      }));

    it('treats the context as a set: key order does not matter', () =>
      withKms(async (kms) => {
        const { ciphertextBlob } = await kms.encrypt(Uint8Array.of(1, 2, 3), { b: '2', a: '1' });
        const opened = await kms.decrypt(ciphertextBlob, { a: '1', b: '2' });
        assert.deepEqual(opened.plaintext, Uint8Array.of(1, 2, 3));
      }));

    it('refuses a blob under any other encryption context', () =>
      withKms(async (kms) => {
        const key = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
        const others: Record<string, string>[] = [
          { ...CONTEXT, videoId: 'v-2' },
          { purpose: CONTEXT.purpose },
          { ...CONTEXT, extra: '' },
          {},
          { purpose: 'contract-test', videoId: 'v-1 ' },
        ];
        for (const context of others) {
          await assertKmsError(
            kms.decrypt(key.ciphertextBlob, context),
            ['InvalidCiphertext'],
            JSON.stringify(context),
          );
        }
      }));

    it('refuses a blob with any single byte altered', () =>
      withKms(async (kms) => {
        const key = await kms.generateDataKey({ bytes: 16, context: CONTEXT });
        const blob = Buffer.from(key.ciphertextBlob, 'base64');
        for (let i = 0; i < blob.length; i++) {
          for (const mask of [0x01, 0x80]) {
            const tampered = Buffer.from(blob);
            tampered[i]! ^= mask;
            // A blob that names its master-key version cannot tell an altered version field from
            // a key it does not have, so KeyVersionNotFound is also a correct refusal there.
            await assertKmsError(
              kms.decrypt(tampered.toString('base64'), CONTEXT),
              ['InvalidCiphertext', 'KeyVersionNotFound'],
              `byte ${i} ^ ${mask}`,
            );
          }
        }
        // Truncated or extended blobs too.
        for (const tampered of [blob.subarray(0, blob.length - 1), Buffer.concat([blob, Buffer.of(0)])]) {
          await assertKmsError(
            kms.decrypt(tampered.toString('base64'), CONTEXT),
            ['InvalidCiphertext'],
            'length',
          );
        }
      }));

    it('refuses garbage, empty and non-base64 blobs as InvalidCiphertext', () =>
      withKms(async (kms) => {
        const garbage = [
          '',
          'AAAA',
          'not base64 at all!',
          Buffer.from('hello world, this is not a blob of any kms').toString('base64'),
          Buffer.alloc(64).toString('base64'),
          '====',
        ];
        for (const blob of garbage) {
          await assertKmsError(kms.decrypt(blob, CONTEXT), ['InvalidCiphertext'], JSON.stringify(blob));
        }
      }));

    it('rotates: versions increase, new blobs decrypt, and blobs of every earlier version still decrypt', () =>
      withKms(async (kms) => {
        const before = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
        const first = await kms.rotate();
        const middle = await kms.encrypt(Uint8Array.of(7), CONTEXT);
        const second = await kms.rotate();
        assert.ok(second.version > first.version, `${second.version} > ${first.version}`);
        const after = await kms.generateDataKey({ bytes: 32, context: CONTEXT });
        assert.equal(after.keyId, before.keyId, 'keyId is versionless');
        assert.deepEqual((await kms.decrypt(before.ciphertextBlob, CONTEXT)).plaintext, before.plaintext);
        assert.deepEqual((await kms.decrypt(middle.ciphertextBlob, CONTEXT)).plaintext, Uint8Array.of(7));
        assert.deepEqual((await kms.decrypt(after.ciphertextBlob, CONTEXT)).plaintext, after.plaintext);
      }));

    it('answers ping while open', () =>
      withKms(async (kms) => {
        await kms.ping();
      }));

    it('refuses to work after close', async () => {
      const kms = await makeKms();
      const key = await kms.generateDataKey({ bytes: 16, context: CONTEXT });
      await kms.close();
      await assertKmsError(
        kms.decrypt(key.ciphertextBlob, CONTEXT),
        ['KmsUnavailable'],
        'decrypt after close',
      );
      await assertKmsError(kms.encrypt(Uint8Array.of(1), CONTEXT), ['KmsUnavailable'], 'encrypt after close');
      await assertKmsError(kms.ping(), ['KmsUnavailable'], 'ping after close');
    });
  });
}
