/**
 * Fuzz target "compact tokens" (issue 11): the JWS format under PlayAuth, media tokens and
 * `MtsHlsUriToken`. Verification never throws; any string other than a token we signed — every
 * near-miss of one included — verifies as nothing; signing round-trips any JSON object; a token
 * of one purpose never verifies as another; and the three claim readers on top refuse anything,
 * even oddly shaped claims under a valid signature, only with `PlaybackError`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { signCompactToken, verifyCompactToken, type TokenPurpose } from '../../src/playback/compact-token.js';
import { verifyHlsKeyToken } from '../../src/playback/hls-key-token.js';
import { verifyMediaToken } from '../../src/playback/media-token.js';
import { verifyPlayAuth } from '../../src/playback/play-auth.js';
import { PlaybackError } from '../../src/playback/playback-error.js';
import { fuzzParameters, fuzzRuns, onlyTyped } from '../support/fuzz.js';
import { NOW, OLD_SECRET, SECRET, VIDEO_ID } from './playback-fixtures.js';

const RUNS = fuzzRuns(3000);
const SECRETS = [SECRET, OLD_SECRET];
const PURPOSES: TokenPurpose[] = ['play-auth', 'media', 'hls-key'];
const purpose = fc.constantFrom(...PURPOSES);

/** Claims near what the server signs: the right names with values of any JSON type. */
const claimValue = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom(
    1,
    VIDEO_ID,
    'hd',
    NOW - 10,
    NOW + 60,
    NOW + 1e12,
    -1,
    0.5,
    '127.0.0.1',
    'media',
    'hls-key',
  ),
);
const claims = fc.dictionary(
  fc.oneof(
    fc.constantFrom('v', 'vid', 'exp', 'iat', 'jti', 'uid', 'ip', 'scope', 'rendition', 'period'),
    fc.string({ maxLength: 6 }),
  ),
  claimValue,
  { maxKeys: 9 },
);

/** Near-misses of a valid token: one character replaced, inserted or removed, or parts swapped. */
function nearMiss(token: string): fc.Arbitrary<string> {
  const alphabet = 'ABCabc019-_.=+/ ';
  return fc.oneof(
    fc
      .tuple(fc.nat(token.length - 1), fc.constantFrom(...alphabet))
      .map(([at, c]) => token.slice(0, at) + c + token.slice(at + 1)),
    fc
      .tuple(fc.nat(token.length), fc.constantFrom(...alphabet))
      .map(([at, c]) => token.slice(0, at) + c + token.slice(at)),
    fc.nat(token.length - 1).map((at) => token.slice(0, at) + token.slice(at + 1)),
    fc.constantFrom(
      token.split('.').reverse().join('.'),
      `${token}.`,
      `${token}=`,
      token.replace(/\./g, '..'),
      token.toUpperCase(),
    ),
  );
}

const signedClaims = fc
  .tuple(purpose, claims)
  .map(([p, c]) => ({ purpose: p, claims: c, token: signCompactToken(SECRETS, p, c) }));

describe('compact tokens, property-based', () => {
  it(`verification never throws and accepts only the exact signed token (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        signedClaims.chain((signed) =>
          fc.record({
            signed: fc.constant(signed),
            candidate: fc.oneof(nearMiss(signed.token), fc.string({ unit: 'binary', maxLength: 300 })),
          }),
        ),
        ({ signed, candidate }) => {
          const result = onlyTyped([], () => verifyCompactToken(SECRETS, signed.purpose, candidate));
          if (candidate === signed.token) assert.notEqual(result, null);
          else assert.equal(result, null, `a near-miss verified: ${candidate}`);
        },
      ),
      fuzzParameters(RUNS),
    );
  });

  it(`round-trips any JSON object, and a token of one purpose never verifies as another (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), purpose, purpose, (payload, p, q) => {
        const token = signCompactToken(SECRETS, p, payload);
        const back = verifyCompactToken(SECRETS, p, token);
        if (token.length > 2048) return assert.equal(back, null, 'over-long tokens are refused unread');
        assert.equal(JSON.stringify(back), JSON.stringify(payload));
        if (p !== q) assert.equal(verifyCompactToken(SECRETS, q, token), null);
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`PlayAuth, media and HLS key tokens refuse odd claims only with PlaybackError (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          signedClaims.map((s) => s.token),
          fc.string({ maxLength: 100 }),
        ),
        fc.option(fc.constantFrom('127.0.0.1', '::1', 'not an ip'), { nil: undefined }),
        (token, clientIp) => {
          const common = { now: NOW, ...(clientIp === undefined ? {} : { clientIp }) };
          onlyTyped([PlaybackError], () => verifyPlayAuth(SECRETS, token, { ...common, videoId: VIDEO_ID }));
          onlyTyped([PlaybackError], () =>
            verifyMediaToken(SECRETS, token, { ...common, videoId: VIDEO_ID }),
          );
          onlyTyped([PlaybackError], () =>
            verifyHlsKeyToken(SECRETS, token, { ...common, videoId: VIDEO_ID, rendition: 'hd', period: 0 }),
          );
        },
      ),
      fuzzParameters(RUNS),
    );
  });
});
