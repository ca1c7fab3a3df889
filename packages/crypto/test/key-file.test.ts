import assert from 'node:assert/strict';
import { createCipheriv, pbkdf2Sync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  AppDecryptKeyError,
  AppIdentificationError,
  bytesToHex,
  createKeyFile,
  decodeAppEncryptKey,
  encodeAppEncryptKey,
  hexToBytes,
  KEY_FILE_LENGTH,
  KeyFileError,
  NOT_LICENSED_MESSAGE,
  openKeyFile,
  readKeyFileHeader,
  writeU32BE,
} from '@securevod/crypto';

const APP = 'BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A';
const CANONICAL_APP = `android:${APP}`;
const KEY = 'AppDecryptKeyAndroid20230101';
const FAST = 100_000; // the lowest accepted count, for the many-file tests

const VECTOR = {
  secret: hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
  salt: hexToBytes('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'),
  iv: hexToBytes('b0b1b2b3b4b5b6b7b8b9babb'),
};

async function exportSecret(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

async function assertNotLicensed(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) => {
      assert.ok(error instanceof KeyFileError, `${what}: ${String(error)}`);
      assert.equal(error.code, 'NotLicensed', what);
      assert.equal(error.message, NOT_LICENSED_MESSAGE, what);
      return true;
    },
    what,
  );
}

async function assertMalformed(promise: Promise<unknown>, mentions: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KeyFileError, String(error));
    assert.equal(error.code, 'Malformed');
    assert.match(error.message, mentions);
    return true;
  });
}

/** The hex block under "### Test vector" in the key-file section of docs/formats.md. */
async function vectorFromDocs(): Promise<string> {
  const markdown = await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Key file (AppEncryptKey)'));
  assert.ok(section, 'docs/formats.md has a "## Key file (AppEncryptKey)" section');
  const vector = section.split(/^### /m).find((s) => s.startsWith('Test vector'));
  assert.ok(vector, 'the key-file section has a "### Test vector" subsection');
  const block = /```hex\n([\s\S]*?)```/.exec(vector);
  assert.ok(block, 'the test vector has a ```hex block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').replace(/\s+/g, ''))
    .join('')
    .toLowerCase();
}

/** The same file built with Node's own crypto module, straight from the format description. */
function independentKeyFile(iterations: number): Uint8Array {
  const header = Buffer.alloc(44);
  header.write('SVKF', 0, 'latin1');
  header[4] = 1;
  header[5] = 1;
  header.writeUInt32BE(iterations, 8);
  Buffer.from(VECTOR.salt).copy(header, 12);
  header.writeUInt32BE(1, 28);
  Buffer.from(VECTOR.iv).copy(header, 32);
  const pbkdf2Salt = Buffer.concat([
    Buffer.from('securevod/keyfile/v1', 'utf8'),
    Buffer.from([0]),
    VECTOR.salt,
    Buffer.from(CANONICAL_APP, 'utf8'),
  ]);
  const key = pbkdf2Sync(KEY, pbkdf2Salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-gcm', key, VECTOR.iv);
  cipher.setAAD(header);
  return Buffer.concat([header, cipher.update(VECTOR.secret), cipher.final(), cipher.getAuthTag()]);
}

void describe('key file test vector', () => {
  void it('createKeyFile with fixed inputs at 600000 iterations gives the documented bytes', async () => {
    const file = await createKeyFile({
      secret: VECTOR.secret,
      secretVersion: 1,
      appIdentification: APP,
      appDecryptKey: KEY,
      _fixed: { salt: VECTOR.salt, iv: VECTOR.iv },
    });
    assert.equal(file.length, KEY_FILE_LENGTH);
    assert.equal(bytesToHex(file), await vectorFromDocs());
    assert.equal(bytesToHex(file), bytesToHex(independentKeyFile(600_000)));
    assert.deepEqual(readKeyFileHeader(file), {
      formatVersion: 1,
      kdf: 'PBKDF2-HMAC-SHA256',
      iterations: 600_000,
      secretVersion: 1,
    });
  });

  void it('the documented bytes open to the documented secret', async () => {
    const file = hexToBytes(await vectorFromDocs());
    const opened = await openKeyFile(file, { appIdentification: APP, appDecryptKey: KEY, extractable: true });
    assert.equal(opened.appIdentification, CANONICAL_APP);
    assert.equal(opened.secretVersion, 1);
    assert.deepEqual(await exportSecret(opened.secretKey), VECTOR.secret);
  });
});

void describe('createKeyFile + openKeyFile', () => {
  void it('opens at the default 600000 iterations with any spelling of the same app; the key is non-extractable AES-GCM', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const file = await createKeyFile({
      secret,
      secretVersion: 7,
      appIdentification: APP,
      appDecryptKey: KEY,
    });
    assert.equal(readKeyFileHeader(file).iterations, 600_000);
    const opened = await openKeyFile(file, {
      appIdentification: ` ${APP.toLowerCase()} `,
      appDecryptKey: KEY,
    });
    assert.equal(opened.secretVersion, 7);
    assert.equal(opened.appIdentification, CANONICAL_APP);
    assert.equal(opened.secretKey.extractable, false);
    assert.deepEqual(opened.secretKey.algorithm, { name: 'AES-GCM', length: 256 });
    assert.deepEqual([...opened.secretKey.usages].sort(), ['decrypt', 'unwrapKey']);
    await assert.rejects(crypto.subtle.exportKey('raw', opened.secretKey));

    const extractable = await openKeyFile(file, {
      appIdentification: APP,
      appDecryptKey: KEY,
      extractable: true,
    });
    assert.deepEqual(await exportSecret(extractable.secretKey), secret);
  });

  void it('the opened key unwraps a package key wrapped under the secret (its intended use)', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const file = await createKeyFile({
      secret,
      secretVersion: 1,
      appIdentification: 'https://video.example.com',
      appDecryptKey: KEY,
      iterations: FAST,
    });
    const wrapper = await crypto.subtle.importKey('raw', secret, 'AES-GCM', false, ['wrapKey']);
    const packageKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, [
      'encrypt',
      'decrypt',
    ]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const wrapped = await crypto.subtle.wrapKey('raw', packageKey, wrapper, { name: 'AES-GCM', iv });

    const { secretKey } = await openKeyFile(file, {
      appIdentification: 'https://VIDEO.example.com/',
      appDecryptKey: KEY,
    });
    const unwrapped = await crypto.subtle.unwrapKey(
      'raw',
      wrapped,
      secretKey,
      { name: 'AES-GCM', iv },
      'AES-GCM',
      true,
      ['decrypt'],
    );
    assert.deepEqual(
      new Uint8Array(await crypto.subtle.exportKey('raw', unwrapped)),
      new Uint8Array(await crypto.subtle.exportKey('raw', packageKey)),
    );
  });

  void it('uses a fresh salt and IV for every file', async () => {
    const opts = {
      secret: VECTOR.secret,
      secretVersion: 1,
      appIdentification: APP,
      appDecryptKey: KEY,
      iterations: FAST,
    };
    const [a, b] = await Promise.all([createKeyFile(opts), createKeyFile(opts)]);
    assert.notEqual(bytesToHex(a!.subarray(12, 28)), bytesToHex(b!.subarray(12, 28)));
    assert.notEqual(bytesToHex(a!.subarray(32, 44)), bytesToHex(b!.subarray(32, 44)));
  });

  void it('rejects bad input to createKeyFile without echoing the key', async () => {
    const base = { secret: VECTOR.secret, secretVersion: 1, appIdentification: APP, appDecryptKey: KEY };
    await assert.rejects(createKeyFile({ ...base, appDecryptKey: 'short1A' }), (e: unknown) => {
      assert.ok(e instanceof AppDecryptKeyError);
      assert.equal(e.code, 'InvalidAppDecryptKey');
      assert.equal(
        e.message,
        'The AppDecryptKey is not valid. It must be 16 to 32 characters long; it has 7.',
      );
      return true;
    });
    await assert.rejects(createKeyFile({ ...base, appIdentification: 'not an app' }), AppIdentificationError);
    await assert.rejects(createKeyFile({ ...base, secret: new Uint8Array(31) }), RangeError);
    await assert.rejects(createKeyFile({ ...base, secretVersion: -1 }), RangeError);
    await assert.rejects(createKeyFile({ ...base, secretVersion: 2 ** 32 }), RangeError);
    await assert.rejects(createKeyFile({ ...base, iterations: 99_999 }), RangeError);
    await assert.rejects(createKeyFile({ ...base, iterations: 10_000_001 }), RangeError);
  });
});

void describe('openKeyFile: NotLicensed', () => {
  const filePromise = createKeyFile({
    secret: VECTOR.secret,
    secretVersion: 3,
    appIdentification: APP,
    appDecryptKey: KEY,
    iterations: FAST,
  });

  void it('opens with the right inputs (the control for the cases below)', async () => {
    const opened = await openKeyFile(await filePromise, {
      appIdentification: APP,
      appDecryptKey: KEY,
      extractable: true,
    });
    assert.deepEqual(await exportSecret(opened.secretKey), VECTOR.secret);
  });

  void it('for a wrong AppDecryptKey, valid or not', async () => {
    const file = await filePromise;
    for (const wrong of [
      'AppDecryptKeyAndroid20230102',
      'appDecryptKeyAndroid20230101',
      KEY.toUpperCase(),
      'x',
      '',
    ]) {
      await assertNotLicensed(
        openKeyFile(file, { appIdentification: APP, appDecryptKey: wrong }),
        'wrong key',
      );
    }
  });

  void it('for another well-formed AppIdentification, of the same or another kind', async () => {
    const file = await filePromise;
    for (const other of [
      APP.replace('5A', '5B'),
      'com.example.app',
      APP.replaceAll(':', ''),
      'https://video.example.com',
    ]) {
      await assertNotLicensed(openKeyFile(file, { appIdentification: other, appDecryptKey: KEY }), other);
    }
  });

  void it('for a flipped bit at every offset 12..91', async () => {
    const file = await filePromise;
    const offsets = Array.from({ length: KEY_FILE_LENGTH - 12 }, (_, i) => 12 + i);
    await Promise.all(
      offsets.map(async (offset) => {
        const altered = Uint8Array.from(file);
        altered[offset]! ^= 0x01;
        await assertNotLicensed(
          openKeyFile(altered, { appIdentification: APP, appDecryptKey: KEY }),
          `offset ${offset}`,
        );
      }),
    );
  });

  void it('for a changed iteration count that is still in range (the header is authenticated)', async () => {
    const altered = Uint8Array.from(await filePromise);
    writeU32BE(altered, 8, FAST + 1);
    await assertNotLicensed(
      openKeyFile(altered, { appIdentification: APP, appDecryptKey: KEY }),
      'iterations',
    );
  });

  void it('but a malformed AppIdentification is a caller bug: AppIdentificationError', async () => {
    await assert.rejects(
      openKeyFile(await filePromise, { appIdentification: 'BB:0D', appDecryptKey: KEY }),
      AppIdentificationError,
    );
  });
});

void describe('openKeyFile and readKeyFileHeader: Malformed', () => {
  const filePromise = createKeyFile({
    secret: VECTOR.secret,
    secretVersion: 1,
    appIdentification: APP,
    appDecryptKey: KEY,
    iterations: FAST,
  });
  const open = (file: Uint8Array) => openKeyFile(file, { appIdentification: APP, appDecryptKey: KEY });
  const altered = async (change: (f: Uint8Array) => void) => {
    const f = Uint8Array.from(await filePromise);
    change(f);
    return f;
  };

  void it('for a truncated or extended file', async () => {
    const file = await filePromise;
    await assertMalformed(open(file.subarray(0, 91)), /92 bytes long; this one has 91/);
    await assertMalformed(open(new Uint8Array()), /this one has 0/);
    await assertMalformed(open(Uint8Array.from([...file, 0])), /this one has 93/);
  });

  void it('for a bad magic, format version, KDF id or reserved bytes', async () => {
    await assertMalformed(open(await altered((f) => (f[0] = 0x73))), /does not start with "SVKF"/);
    await assertMalformed(open(await altered((f) => (f[4] = 2))), /format version 2 is not supported/);
    await assertMalformed(open(await altered((f) => (f[5] = 2))), /KDF id 2 is not supported/);
    await assertMalformed(open(await altered((f) => (f[7] = 1))), /reserved bytes/);
  });

  void it('for an iteration count outside 100000..10000000, before any key derivation', async () => {
    await assertMalformed(open(await altered((f) => writeU32BE(f, 8, 99_999))), /99999 is outside/);
    const huge = await altered((f) => writeU32BE(f, 8, 0xffffffff));
    const started = Date.now();
    await assertMalformed(open(huge), /4294967295 is outside/);
    assert.ok(Date.now() - started < 1000, 'refused without running PBKDF2');
    assert.throws(() => readKeyFileHeader(huge), KeyFileError);
  });
});

void describe('AppEncryptKey text', () => {
  void it('is the base64 of the file and decodes back, ignoring whitespace', async () => {
    const file = hexToBytes(await vectorFromDocs());
    const text = encodeAppEncryptKey(file);
    assert.equal(text, Buffer.from(file).toString('base64'));
    assert.match(text, /^[A-Za-z0-9+/]+={0,2}$/);
    assert.deepEqual(decodeAppEncryptKey(text), file);
    const wrapped = `  ${text.slice(0, 40)}\n${text.slice(40, 80)}\r\n\t${text.slice(80)}\n`;
    assert.deepEqual(decodeAppEncryptKey(wrapped), file);
  });

  void it('bad base64 is Malformed', () => {
    for (const bad of ['U1ZLRgEB!', 'U1ZLRgE', 'U1ZL-gEB', 'U1ZLRgEB_AAA']) {
      assert.throws(
        () => decodeAppEncryptKey(bad),
        (e: unknown) =>
          e instanceof KeyFileError && e.code === 'Malformed' && /not valid base64/.test(e.message),
        bad,
      );
    }
  });
});
