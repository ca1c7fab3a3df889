/**
 * Offline error mapping (src/offline/offline-errors.ts): every licensing mismatch is the one
 * `key`/`notLicensed` error with the same message; tampering, truncation and malformed inputs keep
 * their own fatal details; the download endpoint's codes get their own names.
 */
import { AppIdentificationError, KeyFileError, PackageError } from '@securevod/crypto';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlayerError } from '../src/errors.js';
import { Mp4Error } from '../src/offline/mp4-boxes.js';
import {
  fromDownloadResponse,
  fromOfflineError,
  NOT_LICENSED_MESSAGE,
  secretRevokedError,
} from '../src/offline/offline-errors.js';

describe('fromOfflineError', () => {
  test('every licensing mismatch is the same fatal key/notLicensed error', () => {
    const causes = [
      new KeyFileError('NotLicensed', 'key file message'),
      new PackageError('NotLicensed', 'package message'),
    ];
    const errors = causes.map(fromOfflineError);
    for (const error of errors) {
      assert.ok(error instanceof PlayerError);
      assert.deepEqual(error.toJSON(), {
        type: 'key',
        details: 'notLicensed',
        message: NOT_LICENSED_MESSAGE,
        fatal: true,
      });
      assert.equal(error.cause, undefined, 'nothing tells which input was wrong');
    }
    assert.equal(NOT_LICENSED_MESSAGE, 'This video is not licensed for this app.');
  });

  test('tampered, truncated and malformed inputs are fatal with their own details', () => {
    const cases: Array<[unknown, string, string]> = [
      [
        new PackageError('Tampered', 'The package has been altered: chunk 3 failed authentication.'),
        'decrypt',
        'packageTampered',
      ],
      [new PackageError('Truncated', 'The package is incomplete.'), 'decrypt', 'packageIncomplete'],
      [new PackageError('Malformed', 'not SVPK'), 'other', 'packageInvalid'],
      [
        new KeyFileError('Malformed', 'A key file is 92 bytes long; this one has 3.'),
        'key',
        'keyFileInvalid',
      ],
      [new Mp4Error('no moov'), 'media', 'packageMediaInvalid'],
      [new AppIdentificationError('http:// only for loopback hosts.'), 'other', 'originNotSupported'],
      [new Error('boom'), 'other', 'internalError'],
    ];
    for (const [cause, type, details] of cases) {
      const error = fromOfflineError(cause);
      assert.equal(error.type, type, details);
      assert.equal(error.details, details);
      assert.equal(error.fatal, true);
    }
    assert.match(fromOfflineError(cases[0]![0]).message, /chunk 3/);
  });

  test('a PlayerError passes through, made fatal', () => {
    const revoked = secretRevokedError(7);
    assert.equal(fromOfflineError(revoked), revoked);
    assert.equal(revoked.details, 'secretRevoked');
    assert.equal(revoked.type, 'key');
    assert.match(revoked.message, /secret version 7 .* revoked/);
    const notFatal = new PlayerError({ type: 'network', details: 'x', message: 'm' });
    assert.equal(fromOfflineError(notFatal).fatal, true);
  });
});

describe('fromDownloadResponse', () => {
  test("the download endpoint's codes", () => {
    const cases: Array<[string, string, string]> = [
      ['Forbidden.DownloadDisabled', 'auth', 'downloadDisabled'],
      ['Forbidden.AppNotRegistered', 'auth', 'appNotRegistered'],
      ['Forbidden.NotDownloadable', 'other', 'notDownloadable'],
    ];
    for (const [code, type, details] of cases) {
      const error = fromDownloadResponse(403, { Code: code, Message: 'said the server' });
      assert.deepEqual(
        {
          type: error.type,
          details: error.details,
          fatal: error.fatal,
          code: error.code,
          status: error.status,
        },
        { type, details, fatal: true, code, status: 403 },
      );
      assert.match(error.message, /said the server/);
    }
  });

  test('other codes and statuses follow the general table', () => {
    assert.equal(fromDownloadResponse(403, { Code: 'PlayAuthExpired' }).details, 'playAuthExpired');
    assert.equal(fromDownloadResponse(404, { Code: 'InvalidVideo.NoneStream' }).details, 'noPlayableStream');
    const unavailable = fromDownloadResponse(503, undefined);
    assert.equal(unavailable.type, 'network');
    assert.equal(unavailable.fatal, true);
  });
});
