import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE } from '../../src/errors/error-catalogue.js';
import {
  PLAYBACK_ERROR_CODES,
  PlaybackError,
  isPlaybackError,
  type PlaybackErrorCode,
} from '../../src/playback/playback-error.js';

const codes = PLAYBACK_ERROR_CODES;
const playbackErrorStatus = Object.fromEntries(codes.map((c) => [c, ERROR_CATALOGUE[c].status])) as Record<
  PlaybackErrorCode,
  number
>;

void describe('PlaybackError catalogue', () => {
  void it('answers every credential refusal with 403 and every missing thing with 404', () => {
    for (const code of codes) {
      const status = playbackErrorStatus[code];
      if (/^(PlayAuth|MediaToken|AuthKey|HlsKeyToken)/.test(code)) assert.equal(status, 403, code);
      else if (code.endsWith('NotFound')) assert.equal(status, 404, code);
    }
    assert.equal(playbackErrorStatus.VideoNotPlayable, 403);
    assert.equal(playbackErrorStatus.InvalidPublicKey, 400);
    assert.equal(codes.length, Object.keys(playbackErrorStatus).length);
  });

  void it('builds real errors with code, status, fixed message and cause', () => {
    const cause = new Error('inner');
    const error = new PlaybackError('MediaTokenExpired', { cause });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'PlaybackError');
    assert.equal(error.code, 'MediaTokenExpired');
    assert.equal(error.httpStatus, 403);
    assert.equal(error.message, ERROR_CATALOGUE.MediaTokenExpired.message);
    assert.equal(error.cause, cause);
    assert.ok(isPlaybackError(error));
    assert.ok(isPlaybackError(error, 'MediaTokenExpired'));
    assert.ok(!isPlaybackError(error, 'MediaTokenInvalid'));
    assert.ok(!isPlaybackError(new Error('x')));
  });

  void it('has distinct messages, so a log line tells the reasons apart', () => {
    const messages = codes.map((c) => ERROR_CATALOGUE[c].message);
    assert.equal(new Set(messages).size, messages.length);
  });

  void it('refuses an unknown code', () => {
    assert.throws(() => new PlaybackError('Nope' as PlaybackErrorCode), TypeError);
  });
});
