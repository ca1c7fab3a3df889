// The console's form checks: template drafts ↔ TranscodeTemplateList, live field checks, and
// reading the field out of the API's InvalidParameter messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiRequestError, normalizeEndpoint, VodClient } from '../src/api/vod-client.js';
import { fieldProblemOf } from '../src/api/error-messages.js';
import {
  checkNumber,
  fieldOfApiProblem,
  fromWireTemplates,
  newGroupDraft,
  newTemplateDraft,
  TEMPLATE_RULES,
  toTemplateList,
  validateGroupDraft,
  type GroupDraft,
} from '../src/forms/template-form.js';
import {
  appDecryptKeyProblems,
  appIdentificationInput,
  checkAccessKeyDescription,
  checkAppIdentification,
  checkCallbackAuthKey,
  checkCallbackUrl,
  checkTimeRange,
  keyFileName,
} from '../src/forms/field-checks.js';

const ANDROID = 'bb:0d:ac:74:d3:21:09:ef:9c:71:1a:5e:77:2c:8e:bf:03:fd:fa:5a';

function group(patch: Partial<GroupDraft['templates'][number]> = {}, name = 'Course videos'): GroupDraft {
  return { name, templates: [{ ...newTemplateDraft('HD', 'HLSEncryption'), ...patch }] };
}

describe('template group form', () => {
  it('accepts the new-group defaults once named', () => {
    assert.deepEqual(validateGroupDraft({ ...newGroupDraft(), name: 'A' }), {});
    assert.equal(validateGroupDraft(newGroupDraft()).name, 'Give the group a name.');
  });

  it('names the field of every bad value', () => {
    const cases: [Partial<GroupDraft['templates'][number]>, string, RegExp][] = [
      [{ videoBitrate: '60000' }, 'templates.0.videoBitrate', /from 10 to 50000 kbps/],
      [{ videoBitrate: 'fast' }, 'templates.0.videoBitrate', /must be a number/],
      [{ height: '721' }, 'templates.0.height', /even/],
      [{ width: '64' }, 'templates.0.width', /from 128 to 4096/],
      [{ width: '640.5' }, 'templates.0.width', /whole number/],
      [{ fps: '0' }, 'templates.0.fps', /from 1 to 60/],
      [{ audioBitrate: '2000' }, 'templates.0.audioBitrate', /from 8 to 1000/],
      [{ segmentSeconds: '61' }, 'templates.0.segmentSeconds', /from 1 to 60/],
      [{ keyRotationSegments: '-1' }, 'templates.0.keyRotationSegments', /from 0 to 100000/],
      [{ keyRotationSegments: '2.5' }, 'templates.0.keyRotationSegments', /whole number/],
    ];
    for (const [patch, field, message] of cases) {
      const errors = validateGroupDraft(group(patch));
      assert.deepEqual(Object.keys(errors), [field], JSON.stringify(patch));
      assert.match(errors[field]!, message);
    }
  });

  it('limits the name to 128 bytes, counting UTF-8', () => {
    assert.equal(validateGroupDraft(group({}, 'x'.repeat(128))).name, undefined);
    assert.match(validateGroupDraft(group({}, 'é'.repeat(65))).name!, /at most 128 bytes \(it has 130\)/);
  });

  it('treats empty optional numbers as "use the default"', () => {
    assert.equal(checkNumber('', TEMPLATE_RULES.width), null);
    assert.equal(checkNumber('  ', TEMPLATE_RULES.fps), null);
  });

  it('builds the TranscodeTemplateList the API takes, encryption included', () => {
    const list = toTemplateList(group({ width: '1280', fps: '', keyRotationSegments: '10' }));
    assert.deepEqual(list, [
      {
        TemplateName: 'HD encrypted',
        Type: 'Normal',
        Definition: 'HD',
        Video: { Codec: 'H.264', Bitrate: '1500', Width: '1280', Height: '720' },
        Audio: { Codec: 'AAC', Bitrate: '64' },
        Container: { Format: 'm3u8' },
        MuxConfig: { Segment: { Duration: '4' } },
        EncryptSetting: { EncryptType: 'HLSEncryption', KeyRotationSegments: '10' },
      },
    ]);
    const clear = toTemplateList(group({ encryption: 'off' }))[0]!;
    assert.equal(clear.EncryptSetting, undefined);
  });

  it('reads back what GetTranscodeTemplateGroup returns (sub-configs as JSON strings)', () => {
    const draft = fromWireTemplates('G', [
      {
        TranscodeTemplateId: 'abc',
        TemplateName: 'HD private',
        Definition: 'HD',
        Video: JSON.stringify({ Codec: 'H.264', Bitrate: '1500', Height: '720' }),
        Audio: JSON.stringify({ Codec: 'AAC', Bitrate: '96' }),
        MuxConfig: JSON.stringify({ Segment: { Duration: '6' } }),
        EncryptSetting: JSON.stringify({ EncryptType: 'AliyunVoDEncryption', KeyRotationSegments: '5' }),
        TraceWatermark: JSON.stringify({ Enabled: 'true', SegmentSeconds: '2' }),
      },
    ]);
    assert.deepEqual(draft.templates[0], {
      id: 'abc',
      name: 'HD private',
      definition: 'HD',
      videoBitrate: '1500',
      width: '',
      height: '720',
      fps: '',
      audioBitrate: '96',
      segmentSeconds: '6',
      encryption: 'AliyunVoDEncryption',
      keyRotationSegments: '5',
      tracing: 'on',
      traceSegmentSeconds: '2',
    });
    // …and a round trip keeps the template id, so an update edits the same template.
    assert.equal(toTemplateList(draft)[0]!.TranscodeTemplateId, 'abc');
    assert.deepEqual(toTemplateList(draft)[0]!.TraceWatermark, { Enabled: 'true', SegmentSeconds: '2' });
  });

  it('maps API template paths to form fields', () => {
    assert.equal(fieldOfApiProblem('TranscodeTemplateList', '[2].Video.Bitrate'), 'templates.2.videoBitrate');
    assert.equal(
      fieldOfApiProblem('TranscodeTemplateList', '[0].EncryptSetting.KeyRotationSegments'),
      'templates.0.keyRotationSegments',
    );
    assert.equal(fieldOfApiProblem('TranscodeTemplateList', '[0].Video.Codec'), 'templates');
    assert.equal(fieldOfApiProblem('TranscodeTemplateList', undefined), 'templates');
    assert.equal(fieldOfApiProblem('Name', undefined), 'name');
    assert.equal(fieldOfApiProblem('AppId', undefined), undefined);
  });
});

describe('VodClient parameters', () => {
  it('refuses action parameters that would overwrite the signing parameters', async () => {
    const client = new VodClient({
      endpoint: 'http://127.0.0.1:9',
      accessKeyId: 'SVAKX',
      accessKeySecret: 'secret',
    });
    await assert.rejects(
      client.request('UpdateAccessKey', { AccessKeyId: 'SVAKOTHER', Status: 'Inactive' }),
      {
        name: 'TypeError',
        message: /"AccessKeyId" is a common parameter/,
      },
    );
  });

  it('normalises endpoints and rejects other schemes', () => {
    assert.equal(normalizeEndpoint(' https://vod.example.com/ '), 'https://vod.example.com');
    assert.equal(normalizeEndpoint('http://127.0.0.1:8080/api//'), 'http://127.0.0.1:8080/api');
    assert.equal(normalizeEndpoint(''), '');
    assert.throws(() => normalizeEndpoint('ftp://vod.example.com'), TypeError);
  });
});

describe('API field messages', () => {
  const apiError = (code: string, message: string) =>
    new ApiRequestError(code, message, { action: 'AddTranscodeTemplateGroup', httpStatus: 400 });

  it('reads parameter, path and reason from InvalidParameter', () => {
    assert.deepEqual(
      fieldProblemOf(
        apiError(
          'InvalidParameter',
          'The specified parameter "TranscodeTemplateList" is not valid. TranscodeTemplateList[1].Video.Height must be even; got 721.',
        ),
      ),
      {
        parameter: 'TranscodeTemplateList',
        path: '[1].Video.Height',
        reason: 'TranscodeTemplateList[1].Video.Height must be even; got 721.',
      },
    );
    assert.deepEqual(
      fieldProblemOf(
        apiError(
          'InvalidParameter',
          'The specified parameter "AuthKey" is not valid. It must be at most 32 letters.',
        ),
      ),
      { parameter: 'AuthKey', reason: 'It must be at most 32 letters.' },
    );
  });

  it('reads MissingParameter, and ignores other errors', () => {
    assert.deepEqual(
      fieldProblemOf(
        apiError(
          'MissingParameter',
          'The input parameter "Name" that is mandatory for processing this request is not supplied.',
        ),
      ),
      { parameter: 'Name', reason: 'This field is required.' },
    );
    assert.equal(fieldProblemOf(apiError('Forbidden', 'nope')), undefined);
    assert.equal(fieldProblemOf(new Error('The specified parameter "X" is not valid.')), undefined);
  });
});

describe('other field checks', () => {
  it('checks callback URLs and auth keys like the server', () => {
    assert.equal(checkCallbackUrl('https://backend.example.com/hook'), null);
    assert.match(checkCallbackUrl('')!, /Enter the URL/);
    assert.match(checkCallbackUrl('ftp://x')!, /http/);
    assert.match(checkCallbackUrl('backend/hook')!, /full URL/);
    assert.match(checkCallbackUrl(`https://x.example/${'a'.repeat(256)}`)!, /256 bytes/);
    assert.equal(checkCallbackAuthKey('', false), null);
    assert.match(checkCallbackAuthKey('', true)!, /Enter an auth key/);
    assert.equal(checkCallbackAuthKey('Abc123', true), null);
    assert.match(checkCallbackAuthKey('abc123', true)!, /uppercase/);
    assert.match(checkCallbackAuthKey('Abc-123', true)!, /only letters and digits/);
    assert.match(checkCallbackAuthKey(`A1${'b'.repeat(31)}`, true)!, /at most 32/);
  });

  it('recognises app identifications with the crypto package', () => {
    const android = checkAppIdentification(ANDROID);
    assert.equal(android.ok, true);
    assert.match(android.ok ? android.description : '', /^Android app .*: BB:0D:AC/);
    const web = checkAppIdentification('https://Video.Example.com/');
    assert.equal(web.ok && web.app.canonical, 'web:https://video.example.com');
    const bad = checkAppIdentification('BB:0D:AC');
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.problem, /exactly 20 hex pairs; it has 3/);
  });

  it('lists every AppDecryptKey problem without echoing the key', () => {
    assert.deepEqual(appDecryptKeyProblems('AppDecryptKey2024xx'), []);
    const problems = appDecryptKeyProblems('short-key');
    assert.ok(problems.length >= 3, problems.join(' | '));
    assert.ok(problems.every((p) => !p.includes('short-key')));
    assert.match(appDecryptKeyProblems('')[0]!, /Enter the AppDecryptKey/);
  });

  it('checks time ranges and descriptions', () => {
    assert.equal(checkTimeRange('', ''), null);
    assert.equal(checkTimeRange('2026-01-01T10:00', '2026-01-01T11:00'), null);
    assert.match(checkTimeRange('2026-01-01T11:00', '2026-01-01T10:00')!, /later than/);
    assert.equal(checkAccessKeyDescription('x'.repeat(128)), null);
    assert.match(checkAccessKeyDescription('x'.repeat(129))!, /128/);
  });

  it('turns listed (canonical) apps back into input the API normalises to the same app', () => {
    for (const raw of [ANDROID, 'com.Example.App', '0a 1b 2c', 'https://video.example.com:8443/']) {
      const first = checkAppIdentification(raw);
      assert.ok(first.ok);
      const again = checkAppIdentification(appIdentificationInput(first.app.canonical));
      assert.equal(again.ok && again.app.canonical, first.app.canonical, raw);
    }
  });

  it('names key files after the app and version', () => {
    assert.equal(
      keyFileName(`android:${ANDROID.toUpperCase()}`, 3),
      'android_BB_0D_AC_74_D3_21_09_EF_9C_71_1A_5E_77_2C_8E_BF_03_FD_FA_5A-v3.dat',
    );
    assert.equal(keyFileName('web:https://video.example.com', 1), 'web_https_video.example.com-v1.dat');
    assert.equal(keyFileName('ios:com.example.app', 2), 'ios_com.example.app-v2.dat');
  });
});
