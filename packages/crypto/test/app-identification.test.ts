import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppIdentificationError, normalizeAppIdentification, type AppKind } from '@securevod/crypto';

const REFERENCE = 'BB:0D:AC:74:D3:21:09:EF:9C:71:1A:5E:77:2C:8E:BF:03:FD:FA:5A';

const valid: [input: string, kind: AppKind, value: string][] = [
  // Android
  [REFERENCE, 'android', REFERENCE],
  [REFERENCE.toLowerCase(), 'android', REFERENCE],
  [`  ${REFERENCE}\n`, 'android', REFERENCE],
  [
    '00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33',
    'android',
    '00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33',
  ],
  // iOS
  ['com.example.app', 'ios', 'com.example.app'],
  ['Com.Example.My-App2', 'ios', 'com.example.my-app2'],
  ['a.b', 'ios', 'a.b'],
  ['ab.cd', 'ios', 'ab.cd'], // hex letters, but the dot makes it a bundle ID
  ['com.' + 'a'.repeat(151), 'ios', 'com.' + 'a'.repeat(151)], // 155 characters
  // Windows
  ['0a1b2c3d', 'windows', '0A1B2C3D'],
  ['0a 1b 2c 3d', 'windows', '0A1B2C3D'],
  ['01', 'windows', '01'],
  ['00ff', 'windows', '00FF'], // leading zero byte kept
  ['ab'.repeat(20), 'windows', 'AB'.repeat(20)], // 20 bytes; 40 hex digits without colons is Windows
  ['12345678', 'windows', '12345678'],
  // Web
  ['https://video.example.com', 'web', 'https://video.example.com'],
  ['https://video.example.com/', 'web', 'https://video.example.com'],
  ['HTTPS://Video.EXAMPLE.com:443/', 'web', 'https://video.example.com'],
  ['https://video.example.com:8443', 'web', 'https://video.example.com:8443'],
  ['https://bücher.example', 'web', 'https://xn--bcher-kva.example'],
  ['https://203.0.113.7', 'web', 'https://203.0.113.7'],
  ['http://localhost:5173', 'web', 'http://localhost:5173'],
  ['http://LOCALHOST:80/', 'web', 'http://localhost'],
  ['http://127.0.0.1:8080', 'web', 'http://127.0.0.1:8080'],
  ['http://[::1]:3000', 'web', 'http://[::1]:3000'],
  ['http://[0:0:0:0:0:0:0:1]', 'web', 'http://[::1]'],
];

const invalid: [input: string, mentions: RegExp][] = [
  ['', /is empty/],
  ['   ', /is empty/],
  ['myapp', /not in any accepted form/],
  // Android
  [REFERENCE.split(':').slice(0, 19).join(':'), /exactly 20 hex pairs; it has 19/],
  [REFERENCE + ':00', /exactly 20 hex pairs; it has 21/],
  [Array(32).fill('AB').join(':'), /SHA-256/],
  [REFERENCE.replace('BB', 'BG'), /part 1 is not a pair of hex digits/],
  [REFERENCE.replace(':0D', '::0D'), /part 2 is not a pair of hex digits/],
  [REFERENCE.replace(':0D', ':D'), /part 2 is not a pair of hex digits/],
  ['localhost:8080', /must start with https:\/\//],
  // iOS
  ['com..example', /empty segment/],
  ['.com.example', /empty segment/],
  ['com.example.', /empty segment/],
  ['com.example_app', /position 12/],
  ['com.exämple.app', /position 7/],
  ['com.example app', /position 12/],
  ['com.' + 'a'.repeat(152), /at most 155 characters; it has 156/],
  // Windows
  ['abc', /even number of hex digits; it has 3/],
  ['0a  1b', /single spaces|one space each/],
  ['0a1b 2c', /one space each/],
  ['ab'.repeat(21), /at most 20 bytes; it has 21/],
  // Web
  ['http://video.example.com', /http:\/\/ is accepted only for localhost/],
  ['ftp://video.example.com', /only https:\/\//],
  ['https://video.example.com/watch', /has a path/],
  ['https://video.example.com//', /has a path/],
  ['https://video.example.com?', /has a query/],
  ['https://video.example.com/?a=1', /has a path|has a query/],
  ['https://video.example.com#top', /has a fragment/],
  ['https://user:pass@video.example.com', /credentials/],
  ['https://video.example.com\\', /has a path/],
  ['https://', /host or port is not valid/],
  ['https://exa mple.com', /host or port is not valid/],
  ['https://video.example.com:99999', /host or port is not valid/],
  ['null', /not in any accepted form/], // location.origin of an opaque origin
];

void describe('normalizeAppIdentification: valid', () => {
  for (const [input, kind, value] of valid) {
    void it(`${JSON.stringify(input.length > 60 ? input.slice(0, 57) + '...' : input)} → ${kind}:${value.slice(0, 40)}`, () => {
      assert.deepEqual(normalizeAppIdentification(input), { kind, value, canonical: `${kind}:${value}` });
    });
  }

  void it('is idempotent on the value', () => {
    for (const [input] of valid) {
      const once = normalizeAppIdentification(input);
      assert.deepEqual(normalizeAppIdentification(once.value), once);
    }
  });
});

void describe('normalizeAppIdentification: invalid', () => {
  for (const [input, mentions] of invalid) {
    void it(JSON.stringify(input.length > 60 ? input.slice(0, 57) + '...' : input), () => {
      assert.throws(
        () => normalizeAppIdentification(input),
        (error: unknown) => {
          assert.ok(error instanceof AppIdentificationError);
          assert.equal(error.code, 'InvalidAppIdentification');
          assert.match(error.reason, mentions);
          assert.ok(error.message.startsWith(error.reason));
          assert.match(error.message, /Accepted forms: an Android .* iOS .* Windows .* web origin/);
          return true;
        },
      );
    });
  }

  void it('shortens a long value in the message', () => {
    const long = 'x'.repeat(500);
    assert.throws(
      () => normalizeAppIdentification(long),
      (e: unknown) =>
        e instanceof AppIdentificationError && !e.message.includes(long) && e.message.includes('...'),
    );
  });
});

void describe('web origins match what a browser reports as location.origin', () => {
  const registered = [
    'https://Video.Example.com:443/',
    'https://bücher.example',
    'http://localhost:5173/',
    'https://[2001:DB8::1]:8443',
  ];
  const pages = [
    'https://video.example.com/watch/42?t=10#player',
    'https://BÜCHER.example/a',
    'http://localhost:5173/index.html',
    'https://[2001:db8:0::1]:8443/',
  ];
  for (const [i, page] of pages.entries()) {
    void it(page, () => {
      const origin = new URL(page).origin; // what `location.origin` is on that page
      assert.equal(
        normalizeAppIdentification(origin).canonical,
        normalizeAppIdentification(registered[i]!).canonical,
      );
    });
  }
});
