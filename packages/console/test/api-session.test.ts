// The console's API layer against the real server (bin/securevod.mjs server): signed POSTs from
// VodClient, sign-in / remember / sign-out / idle expiry in SessionManager, and the promise that
// the form checks and the API agree on which field a bad value belongs to.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeError, fieldProblemOf } from '../src/api/error-messages.js';
import { ApiRequestError, isActionUnavailable, VodClient } from '../src/api/vod-client.js';
import { appDecryptKeyProblems, checkCallbackAuthKey } from '../src/forms/field-checks.js';
import {
  fieldOfApiProblem,
  fromWireTemplates,
  newTemplateDraft,
  toTemplateList,
  validateGroupDraft,
  type GroupDraft,
} from '../src/forms/template-form.js';
import { MemoryVault } from '../src/session/credential-vault.js';
import { SessionManager } from '../src/session/session-manager.js';
import type { WireGroup } from '../src/api/wire-types.js';
import {
  makeDataDir,
  removeDir,
  startServerProcess,
  TEST_ROOT_KEY,
  type ServerProcess,
} from '../../server/test/support/server-process.js';

let server: ServerProcess;
let dataDir: string;
let client: VodClient;

before(async () => {
  dataDir = await makeDataDir('securevod-console-api-');
  // Callbacks are set to 127.0.0.1 here, which the server refuses without this.
  server = await startServerProcess({ dataDir, env: { SECUREVOD_ALLOW_PRIVATE_OUTBOUND: '1' } });
  client = new VodClient({ endpoint: server.url, ...TEST_ROOT_KEY });
});

after(async () => {
  await server?.stop();
  if (dataDir) await removeDir(dataDir);
});

async function failure(call: Promise<unknown>): Promise<ApiRequestError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiRequestError, String(error));
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('VodClient against the server', () => {
  it('signs POSTs the server accepts', async () => {
    const answer = await client.request<{ TranscodeTemplateGroupList: unknown[] }>(
      'ListTranscodeTemplateGroup',
    );
    assert.match(answer.RequestId, /^[0-9A-F-]{36}$/);
    assert.ok(answer.TranscodeTemplateGroupList.length >= 1);
  });

  it('reports unknown actions as unavailable', async () => {
    const error = await failure(client.request('NoSuchConsoleAction'));
    assert.equal(error.code, 'InvalidApi.NotFound');
    assert.ok(isActionUnavailable(error));
    assert.match(describeError(error), /does not offer NoSuchConsoleAction/);
  });

  it('turns a wrong secret and an unknown key into instructions', async () => {
    const wrong = new VodClient({
      endpoint: server.url,
      accessKeyId: TEST_ROOT_KEY.accessKeyId,
      accessKeySecret: 'nope',
    });
    const mismatch = await failure(wrong.request('ListTranscodeTemplateGroup'));
    assert.equal(mismatch.code, 'SignatureDoesNotMatch');
    assert.match(describeError(mismatch), /secret does not match/);
    const unknown = new VodClient({
      endpoint: server.url,
      accessKeyId: 'SVAKNOBODY00000001',
      accessKeySecret: 'x',
    });
    assert.match(
      describeError(await failure(unknown.request('ListTranscodeTemplateGroup'))),
      /does not know this AccessKey ID/,
    );
  });

  it('explains an unreachable endpoint', async () => {
    const nowhere = new VodClient({ endpoint: 'http://127.0.0.1:9', ...TEST_ROOT_KEY });
    const error = await failure(nowhere.request('ListTranscodeTemplateGroup'));
    assert.equal(error.code, 'NetworkError');
    assert.match(describeError(error), /Could not reach .* Check that the server is running/);
  });
});

describe('SessionManager', () => {
  it('signs in, remembers only when asked, and forgets on sign-out', async () => {
    const vault = new MemoryVault();
    const sessions = new SessionManager({ vault });
    const events: (string | undefined)[] = [];
    sessions.subscribe((session, reason) => events.push(session ? 'in' : reason));

    await sessions.signIn({ endpoint: server.url, ...TEST_ROOT_KEY, remember: false });
    assert.equal(sessions.current?.accessKeyId, TEST_ROOT_KEY.accessKeyId);
    assert.equal(await vault.load(), undefined);

    await sessions.signIn({ endpoint: `${server.url}/`, ...TEST_ROOT_KEY, remember: true });
    assert.deepEqual(await vault.load(), { endpoint: server.url, ...TEST_ROOT_KEY });

    const restored = await new SessionManager({ vault }).restore();
    assert.equal(restored?.remembered, true);
    await restored!.client.request('ListTranscodeTemplateGroup');

    await sessions.signOut();
    assert.equal(sessions.current, undefined);
    assert.equal(await vault.load(), undefined);
    assert.deepEqual(events, ['in', 'in', 'signed-out']);
  });

  it('refuses a bad pair and leaves no session behind', async () => {
    const vault = new MemoryVault();
    const sessions = new SessionManager({ vault });
    const error = await failure(
      sessions.signIn({
        endpoint: server.url,
        accessKeyId: TEST_ROOT_KEY.accessKeyId,
        accessKeySecret: 'wrong',
        remember: true,
      }),
    );
    assert.equal(error.code, 'SignatureDoesNotMatch');
    assert.equal(sessions.current, undefined);
    assert.equal(await vault.load(), undefined);
  });

  it('signs in without storage when the vault fails, and says so', async () => {
    const broken = {
      save: () => Promise.reject(new Error('IndexedDB disabled')),
      load: () => Promise.reject(new Error('IndexedDB disabled')),
      touch: () => Promise.reject(new Error('IndexedDB disabled')),
      clear: () => Promise.reject(new Error('IndexedDB disabled')),
    };
    const sessions = new SessionManager({ vault: broken });
    const session = await sessions.signIn({ endpoint: server.url, ...TEST_ROOT_KEY, remember: true });
    assert.equal(session.remembered, false);
    assert.equal(session.rememberFailed, true);
    await sessions.signOut();
    assert.equal(sessions.current, undefined);
  });

  it('ends a session after 8 hours without activity', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const vault = new MemoryVault({ now: () => now });
    const sessions = new SessionManager({ vault, now: () => now });
    await sessions.signIn({ endpoint: server.url, ...TEST_ROOT_KEY, remember: true });
    now += 7 * 3600_000;
    sessions.activity();
    now += 7 * 3600_000;
    assert.equal(await sessions.checkIdle(), false, 'activity 7 h ago keeps the session');
    now += 2 * 3600_000;
    assert.equal(await sessions.checkIdle(), true);
    assert.equal(sessions.current, undefined);
    assert.equal(await vault.load(), undefined);
  });

  it('does not restore a remembered session idle for longer than 8 hours', async () => {
    let now = 1_000_000;
    const vault = new MemoryVault({ now: () => now });
    await vault.save({ endpoint: server.url, ...TEST_ROOT_KEY });
    now += 8 * 3600_000 + 1;
    assert.equal(await new SessionManager({ vault, now: () => now }).restore(), undefined);
  });
});

describe('form checks agree with the API', () => {
  const draft = (patch: Partial<GroupDraft['templates'][number]>): GroupDraft => ({
    name: 'Parity',
    templates: [newTemplateDraft('SD', 'off'), { ...newTemplateDraft('HD', 'HLSEncryption'), ...patch }],
  });

  for (const [label, patch] of [
    ['video bitrate too high', { videoBitrate: '60000' }],
    ['odd height', { height: '721' }],
    ['width too small', { width: '100' }],
    ['frame rate too high', { fps: '120' }],
    ['audio bitrate too low', { audioBitrate: '4' }],
    ['segment too long', { segmentSeconds: '90' }],
    ['fractional key rotation', { keyRotationSegments: '1.5' }],
  ] as const) {
    it(`${label}: both name the same field, and nothing is created`, async () => {
      const bad = draft(patch);
      const clientFields = Object.keys(validateGroupDraft(bad));
      assert.equal(clientFields.length, 1, clientFields.join());
      const before = await client.request<{ TranscodeTemplateGroupList: unknown[] }>(
        'ListTranscodeTemplateGroup',
      );
      const error = await failure(
        client.request('AddTranscodeTemplateGroup', {
          Name: bad.name,
          TranscodeTemplateList: JSON.stringify(toTemplateList(bad)),
        }),
      );
      const problem = fieldProblemOf(error);
      assert.ok(problem, error.message);
      assert.equal(fieldOfApiProblem(problem.parameter, problem.path), clientFields[0], error.message);
      const afterList = await client.request<{ TranscodeTemplateGroupList: unknown[] }>(
        'ListTranscodeTemplateGroup',
      );
      assert.equal(afterList.TranscodeTemplateGroupList.length, before.TranscodeTemplateGroupList.length);
    });
  }

  it('a valid draft is created and reads back as the same draft', async () => {
    const good = draft({ width: '1280', keyRotationSegments: '8', fps: '25' });
    assert.deepEqual(validateGroupDraft(good), {});
    const { TranscodeTemplateGroupId } = await client.request<{ TranscodeTemplateGroupId: string }>(
      'AddTranscodeTemplateGroup',
      { Name: good.name, TranscodeTemplateList: JSON.stringify(toTemplateList(good)) },
    );
    const { TranscodeTemplateGroup } = await client.request<{ TranscodeTemplateGroup: WireGroup }>(
      'GetTranscodeTemplateGroup',
      { TranscodeTemplateGroupId },
    );
    const back = fromWireTemplates(
      TranscodeTemplateGroup.Name,
      TranscodeTemplateGroup.TranscodeTemplateList ?? [],
    );
    assert.deepEqual(
      back.templates.map((t) => ({ ...t, id: '', name: '' })),
      good.templates.map((t) => ({ ...t, name: '' })),
    );
  });

  it('AppDecryptKey and AuthKey rules match the server', async () => {
    for (const key of [
      'short1A',
      'alllowercase12345',
      'ALLUPPERCASE12345',
      'NoDigitsAtAllHere',
      'Has-Dash-1234567a',
    ]) {
      assert.ok(appDecryptKeyProblems(key).length > 0, key);
      const error = await failure(
        client.request('GenerateDownloadSecretKey', {
          AppIdentification: 'com.example.app',
          AppDecryptKey: key,
        }),
      );
      assert.equal(fieldProblemOf(error)?.parameter, 'AppDecryptKey');
      assert.ok(!error.message.includes(key), 'the server must not echo the key');
    }
    for (const key of ['abc123', 'ABC123', 'Abc-123']) {
      assert.ok(checkCallbackAuthKey(key, true), key);
      const error = await failure(
        client.request('SetMessageCallback', {
          CallbackURL: 'http://127.0.0.1:9/x',
          AuthSwitch: 'on',
          AuthKey: key,
        }),
      );
      assert.equal(fieldProblemOf(error)?.parameter, 'AuthKey');
    }
  });
});
