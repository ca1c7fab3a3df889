/** Shared fixtures of the playback unit tests. */
import assert from 'node:assert/strict';
import { PlaybackError, type PlaybackErrorCode } from '../../src/playback/playback-error.js';

/** The documented token test-vector secret: bytes 00..1f. */
export const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
export const OLD_SECRET = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
export const STRANGER_SECRET = new Uint8Array(32).fill(0x55);
export const VIDEO_ID = '9f2c4e1a7b3d4c8e9a0b1c2d3e4f5a6b';
export const OTHER_VIDEO_ID = '0123456789abcdef0123456789abcdef';
/** 2023-11-14T22:13:20Z, Unix seconds. */
export const NOW = 1_700_000_000;

/** For `assert.throws`: a PlaybackError with `code`, a 4xx status and a message that leaks nothing. */
export function playbackError(code: PlaybackErrorCode, ...secrets: string[]) {
  return (error: unknown): true => {
    assert.ok(error instanceof PlaybackError, `expected PlaybackError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.httpStatus >= 400 && error.httpStatus < 500);
    for (const s of secrets)
      if (s) assert.ok(!error.message.includes(s), 'the message repeats the credential');
    return true;
  };
}

/** Re-encodes the payload of a compact token without re-signing it. */
export function withPayload(token: string, edit: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  edit(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
