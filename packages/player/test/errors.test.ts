/**
 * The one place errors are classified and recovery is decided: server error bodies, hls.js ERROR
 * events (with hls.js's own enums) and the SDK's loader reports, into `{ type, details, fatal }`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorDetails, ErrorTypes, type ErrorData } from 'hls.js';
import {
  DEFAULT_RECOVERY_POLICY,
  PlayerError,
  decideRecovery,
  fromHlsError,
  fromServerError,
  isFinalRefusal,
  VIEWER_MESSAGES,
  toPlayerError,
  type PlayerErrorType,
} from '../src/errors.js';

function hlsError(
  type: ErrorTypes,
  details: ErrorDetails,
  fatal: boolean,
  extra: Partial<ErrorData> = {},
): ErrorData {
  return { type, details, fatal, error: new Error(`${details} happened`), ...extra };
}

void describe('fromServerError', () => {
  const cases: Array<[number, string | undefined, PlayerErrorType, string]> = [
    [403, 'PlayAuthExpired', 'auth', 'playAuthExpired'],
    [403, 'PlayAuthInvalid', 'auth', 'playAuthInvalid'],
    [403, 'MediaTokenExpired', 'auth', 'tokenExpired'],
    [404, 'InvalidVideo.NotFound', 'other', 'videoNotFound'],
    [403, undefined, 'auth', 'accessDenied'],
    [401, 'SomethingNew', 'auth', 'accessDenied'],
    [404, undefined, 'other', 'notFound'],
    [400, 'InvalidParameter', 'other', 'requestRejected'],
    [429, 'Throttling', 'network', 'serverUnavailable'],
    [503, undefined, 'network', 'serverUnavailable'],
  ];
  for (const [status, code, type, details] of cases) {
    void it(`${status} ${code ?? '(no body)'} → ${type}/${details}`, () => {
      const error = fromServerError(
        'Getting play info',
        status,
        code ? { Code: code, Message: 'why' } : undefined,
      );
      assert.ok(error instanceof PlayerError && error instanceof Error);
      assert.equal(error.type, type);
      assert.equal(error.details, details);
      assert.equal(error.code, code);
      assert.equal(error.status, status);
      assert.equal(error.fatal, false, 'fatal is decided later');
      assert.match(error.message, new RegExp(`^Getting play info failed with HTTP ${status}`));
    });
  }
  void it('a concurrent-stream refusal: auth/concurrentStreams, with the message for the viewer, given up at once', () => {
    const error = fromServerError('Getting play info', 403, {
      Code: 'Forbidden.ConcurrentStreams',
      Message: 'server words',
    });
    assert.deepEqual(
      [error.type, error.details, error.code],
      ['auth', 'concurrentStreams', 'Forbidden.ConcurrentStreams'],
    );
    assert.equal(error.message, VIEWER_MESSAGES.concurrentStreams);
    assert.doesNotMatch(error.message, /HTTP|Forbidden/);
    assert.equal(isFinalRefusal(error), true);
    assert.deepEqual(decideRecovery(error, true, { mediaRecoveries: 0, reloads: 0 }), { kind: 'give-up' });
  });
  void it("keeps the server's Message and ignores a non-string Code", () => {
    const error = fromServerError('Refreshing', 403, { Code: 42, Message: 'The token expired.' });
    assert.equal(error.code, undefined);
    assert.match(error.message, /: The token expired\.$/);
  });
});

void describe('fromHlsError', () => {
  const cases: Array<[ErrorTypes, ErrorDetails, PlayerErrorType, string]> = [
    [ErrorTypes.NETWORK_ERROR, ErrorDetails.MANIFEST_LOAD_ERROR, 'network', 'manifestLoadFailed'],
    [ErrorTypes.NETWORK_ERROR, ErrorDetails.LEVEL_LOAD_TIMEOUT, 'network', 'playlistLoadTimeout'],
    [ErrorTypes.NETWORK_ERROR, ErrorDetails.FRAG_LOAD_ERROR, 'network', 'segmentLoadFailed'],
    [ErrorTypes.NETWORK_ERROR, ErrorDetails.KEY_LOAD_ERROR, 'key', 'keyLoadFailed'],
    [ErrorTypes.MEDIA_ERROR, ErrorDetails.FRAG_DECRYPT_ERROR, 'decrypt', 'segmentDecryptFailed'],
    [ErrorTypes.MEDIA_ERROR, ErrorDetails.FRAG_PARSING_ERROR, 'media', 'segmentParsingFailed'],
    [ErrorTypes.MEDIA_ERROR, ErrorDetails.BUFFER_STALLED_ERROR, 'media', 'bufferStalled'],
    [ErrorTypes.MEDIA_ERROR, ErrorDetails.BUFFER_NUDGE_ON_STALL, 'media', 'bufferNudgeOnStall'],
    [ErrorTypes.NETWORK_ERROR, ErrorDetails.MANIFEST_PARSING_ERROR, 'other', 'playlistInvalid'],
    [ErrorTypes.KEY_SYSTEM_ERROR, ErrorDetails.KEY_SYSTEM_NO_KEYS, 'key', 'keySystemNoKeys'],
    [ErrorTypes.MUX_ERROR, ErrorDetails.REMUX_ALLOC_ERROR, 'media', 'remuxAllocError'],
    [ErrorTypes.OTHER_ERROR, ErrorDetails.INTERNAL_EXCEPTION, 'other', 'internalException'],
  ];
  for (const [type, details, expectedType, expectedDetails] of cases) {
    void it(`${type}/${details} → ${expectedType}/${expectedDetails}`, () => {
      const mapped = fromHlsError(hlsError(type, details, true));
      assert.equal(mapped.type, expectedType);
      assert.equal(mapped.details, expectedDetails);
      assert.equal(mapped.fatal, true);
      assert.match(mapped.message, new RegExp(`hls.js ${type}/${details}`));
    });
  }

  void it('turns 401/403 on playlists, segments and keys into auth/accessDenied', () => {
    for (const details of [
      ErrorDetails.LEVEL_LOAD_ERROR,
      ErrorDetails.FRAG_LOAD_ERROR,
      ErrorDetails.KEY_LOAD_ERROR,
    ]) {
      const mapped = fromHlsError(
        hlsError(ErrorTypes.NETWORK_ERROR, details, false, { response: { url: 'u', code: 403 } }),
      );
      assert.equal(mapped.type, 'auth');
      assert.equal(mapped.details, 'accessDenied');
      assert.equal(mapped.status, 403);
    }
    const notAuth = fromHlsError(
      hlsError(ErrorTypes.NETWORK_ERROR, ErrorDetails.FRAG_LOAD_ERROR, false, {
        response: { url: 'u', code: 500 },
      }),
    );
    assert.equal(notAuth.type, 'network');
  });

  void it("prefers the SDK loader's own report, with hls.js's fatal flag", () => {
    const reported = new PlayerError({
      type: 'key',
      details: 'keyExchangeFailed',
      message: 'm',
      code: 'ServiceUnavailable',
    });
    const mapped = fromHlsError(
      hlsError(ErrorTypes.NETWORK_ERROR, ErrorDetails.FRAG_LOAD_ERROR, true),
      reported,
    );
    assert.equal(mapped.type, 'key');
    assert.equal(mapped.details, 'keyExchangeFailed');
    assert.equal(mapped.code, 'ServiceUnavailable');
    assert.equal(mapped.fatal, true);
    assert.equal(reported.fatal, false, 'the report itself is not changed');
  });
});

void describe('PlayerError', () => {
  void it('carries type, details, fatal, code and cause; toJSON drops the cause', () => {
    const cause = new Error('inner');
    const error = new PlayerError({
      type: 'decrypt',
      details: 'segmentDecryptFailed',
      message: 'm',
      code: 'C',
      cause,
    });
    assert.equal(error.name, 'PlayerError');
    assert.equal(error.cause, cause);
    const fatal = error.withFatal(true);
    assert.notEqual(fatal, error);
    assert.equal(fatal.fatal, true);
    assert.equal(fatal.cause, cause);
    assert.equal(fatal.withFatal(true), fatal);
    assert.deepEqual(JSON.parse(JSON.stringify(fatal)), {
      type: 'decrypt',
      details: 'segmentDecryptFailed',
      message: 'm',
      fatal: true,
      code: 'C',
    });
  });
  void it('toPlayerError keeps PlayerErrors and wraps anything else', () => {
    const own = new PlayerError({ type: 'auth', details: 'x', message: 'm' });
    assert.equal(toPlayerError(own), own);
    const wrapped = toPlayerError(new TypeError('bad'));
    assert.equal(wrapped.type, 'other');
    assert.equal(wrapped.details, 'internalError');
    assert.equal(wrapped.message, 'bad');
    assert.equal(toPlayerError('str', { type: 'network', details: 'd' }).type, 'network');
  });
});

void describe('decideRecovery', () => {
  const error = (type: PlayerErrorType, details = 'x') => new PlayerError({ type, details, message: 'm' });
  const fresh = { mediaRecoveries: 0, reloads: 0 };
  const policy = {
    ...DEFAULT_RECOVERY_POLICY,
    maxMediaRecoveries: 1,
    maxReloads: 2,
    reloadDelayMs: 100,
    maxReloadDelayMs: 150,
  };

  void it('leaves non-fatal errors to hls.js', () => {
    for (const type of ['network', 'auth', 'key', 'decrypt', 'media', 'other'] as const) {
      assert.deepEqual(decideRecovery(error(type), false, fresh, policy), { kind: 'none' });
    }
  });
  void it('recovers media errors up to the policy, then gives up', () => {
    assert.deepEqual(decideRecovery(error('media'), true, fresh, policy), { kind: 'recover-media' });
    assert.deepEqual(decideRecovery(error('media'), true, { mediaRecoveries: 1, reloads: 0 }, policy), {
      kind: 'give-up',
    });
  });
  void it('reloads after network and key errors with a growing, capped delay', () => {
    assert.deepEqual(decideRecovery(error('network'), true, fresh, policy), {
      kind: 'reload',
      delayMs: 100,
      refreshSession: false,
    });
    assert.deepEqual(
      decideRecovery(error('key', 'keyExchangeFailed'), true, { mediaRecoveries: 0, reloads: 1 }, policy),
      {
        kind: 'reload',
        delayMs: 150,
        refreshSession: false,
      },
    );
    assert.deepEqual(decideRecovery(error('network'), true, { mediaRecoveries: 0, reloads: 2 }, policy), {
      kind: 'give-up',
    });
  });
  void it('refreshes the session before reloading after a session refusal, not after a PlayAuth one', () => {
    for (const details of ['tokenExpired', 'tokenInvalid', 'accessDenied', 'sessionExpired']) {
      assert.deepEqual(decideRecovery(error('auth', details), true, fresh, policy), {
        kind: 'reload',
        delayMs: 100,
        refreshSession: true,
      });
    }
    assert.deepEqual(decideRecovery(error('auth', 'playAuthExpired'), true, fresh, policy), {
      kind: 'give-up',
    });
  });
  void it('never retries what retrying cannot fix: decryption, unwrap, other', () => {
    assert.deepEqual(decideRecovery(error('decrypt', 'segmentDecryptFailed'), true, fresh, policy), {
      kind: 'give-up',
    });
    assert.deepEqual(decideRecovery(error('key', 'keyUnwrapFailed'), true, fresh, policy), {
      kind: 'give-up',
    });
    assert.deepEqual(decideRecovery(error('other', 'privatePlaylistInvalid'), true, fresh, policy), {
      kind: 'give-up',
    });
  });
});
