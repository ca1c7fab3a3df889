/**
 * Fuzz target "v1 signature canonicalisation" (issue 11): `canonicalize`/`stringToSign` against a
 * reference written here from the reference's steps (§1.3: RFC 3986 encoding, pairs sorted by
 * encoded name), and against pop-core's own order (raw names sorted, then encoded) for the ASCII
 * names real clients send. Canonicalisation is unambiguous: parsing it back gives the parameters.
 * Ill-formed UTF-16 (a lone surrogate) cannot be percent-encoded; it fails with URIError, as in
 * pop-core, and cannot arrive from the wire, where decoding yields U+FFFD.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalize, percentEncode, stringToSign } from '@securevod/crypto';
import { fuzzParameters, fuzzRuns, isWellFormed, onlyTyped } from './support/fuzz.js';

const RUNS = fuzzRuns(3000);
const UNRESERVED = /[A-Za-z0-9\-_.~]/;

function refEncode(value: string): string {
  let out = '';
  for (const char of value) {
    if (UNRESERVED.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function refCanonicalize(params: Record<string, string>): string {
  return Object.entries(params)
    .filter(([name]) => name !== 'Signature')
    .map(([name, value]) => [refEncode(name), refEncode(value)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** pop-core (lib/rpc.js `normalize`): `Object.keys(params).sort()`, then encode. */
function popCoreCanonicalize(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${refEncode(name)}=${refEncode(params[name]!)}`)
    .join('&');
}

const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 30 }));
const anyName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const asciiName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.]{0,15}$/);

describe('v1 signature canonicalisation, property-based', () => {
  it(`matches the reference's steps for any well-formed names and values (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.dictionary(anyName, value, { maxKeys: 8 }), (params) => {
        const canonical = onlyTyped([], () => canonicalize(params))!;
        assert.equal(canonical, refCanonicalize(params));
        assert.equal(stringToSign('get', params), `GET&%2F&${refEncode(canonical)}`);
        // Unambiguous: the canonical string parses back to exactly the parameters.
        const back = Object.fromEntries(
          canonical === ''
            ? []
            : canonical.split('&').map((pair) => pair.split('=').map((s) => decodeURIComponent(s))),
        );
        const { Signature: _dropped, ...signed } = params;
        assert.deepEqual(back, signed);
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`agrees with pop-core's order for ASCII parameter names (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.dictionary(asciiName, value, { maxKeys: 10 }), (params) => {
        assert.equal(canonicalize(params), popCoreCanonicalize(params));
      }),
      fuzzParameters(RUNS),
    );
  });

  it(`fails only with URIError on ill-formed UTF-16 (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        const encoded = onlyTyped([URIError], () => percentEncode(text));
        assert.equal(encoded === undefined, !isWellFormed(text));
      }),
      fuzzParameters(RUNS),
    );
  });
});
