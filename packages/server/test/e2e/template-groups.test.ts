/**
 * Transcode template group actions (reference §2.10–§2.12) against the running server through
 * `@alicloud/pop-core`: the wire forms (sub-configs as JSON strings, plain-array list), updates,
 * locking, the default group, the "no transcoding" group, and template validation whose messages
 * name the offending field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { popError, vodClient } from '../support/vod-client.js';
import { createUpload } from '../support/vod-upload.js';
import { expectApiError } from './e2e-helpers.js';

interface GroupSummary {
  TranscodeTemplateGroupId: string;
  Name: string;
  IsDefault: string;
  Locked: string;
  CreationTime: string;
  ModifyTime: string;
  AppId: string;
  TranscodeTemplateList?: unknown;
}

interface WireTemplate {
  TranscodeTemplateId: string;
  TemplateName: string;
  Type: string;
  Definition: string;
  Video: string;
  Audio: string;
  Container: string;
  MuxConfig: string;
  EncryptSetting?: string;
}

interface Group extends GroupSummary {
  TranscodeTemplateList: WireTemplate[];
}

const WIRE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function template(definition: string, height: number, extra: Record<string, unknown> = {}) {
  return {
    Definition: definition,
    TemplateName: `${definition} ${height}p`,
    Video: { Codec: 'H.264', Bitrate: '400', Height: String(height) },
    Audio: { Codec: 'AAC', Bitrate: '64' },
    Container: { Format: 'm3u8' },
    MuxConfig: { Segment: { Duration: '4' } },
    ...extra,
  };
}

describe('transcode template groups', () => {
  let server: ServerProcess;
  let dataDir: string;
  let vod: RPCClient;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ dataDir });
    vod = vodClient(server.url);
  });

  after(async () => {
    await server?.stop();
    await removeDir(dataDir);
  });

  const add = (params: Record<string, string>) =>
    vod.request<{ TranscodeTemplateGroupId: string }>('AddTranscodeTemplateGroup', params, {
      method: 'POST',
    });
  const update = (params: Record<string, string>) =>
    vod.request('UpdateTranscodeTemplateGroup', params, { method: 'POST' });
  const get = async (id: string) =>
    (
      await vod.request<{ TranscodeTemplateGroup: Group }>('GetTranscodeTemplateGroup', {
        TranscodeTemplateGroupId: id,
      })
    ).TranscodeTemplateGroup;
  const list = async () =>
    (await vod.request<{ TranscodeTemplateGroupList: GroupSummary[] }>('ListTranscodeTemplateGroup', {}))
      .TranscodeTemplateGroupList;

  test('Add then Get: sub-configs come back as JSON strings, IsDefault/Locked as words', async () => {
    await expectApiError(add({}), 'MissingParameter', 400, /"Name"/);
    await expectApiError(add({ Name: 'x'.repeat(129) }), 'LengthExceededMax', 400, /Name/);

    const { TranscodeTemplateGroupId: id } = await add({
      Name: 'two renditions',
      TranscodeTemplateList: JSON.stringify([
        template('SD', 480, { EncryptSetting: { EncryptType: 'HLSEncryption' } }),
        // Sub-configs may also be sent as JSON strings, the form Get returns them in.
        { ...template('LD', 240), Video: JSON.stringify({ Codec: 'H.264', Bitrate: '200', Width: '320' }) },
      ]),
    });
    assert.match(id, /^\w+$/);
    const group = await get(id);
    assert.equal(group.TranscodeTemplateGroupId, id);
    assert.equal(group.Name, 'two renditions');
    assert.equal(group.IsDefault, 'NotDefault');
    assert.equal(group.Locked, 'Disabled');
    assert.match(group.CreationTime, WIRE_TIME);
    assert.match(group.ModifyTime, WIRE_TIME);
    assert.equal(group.AppId, 'app-1000000');
    assert.equal(group.TranscodeTemplateList.length, 2);
    const [sd, ld] = group.TranscodeTemplateList;
    assert.equal(sd!.Definition, 'SD');
    assert.equal(sd!.TemplateName, 'SD 480p');
    assert.equal(sd!.Type, 'Normal');
    assert.match(sd!.TranscodeTemplateId, /^\w+$/);
    for (const field of ['Video', 'Audio', 'Container', 'MuxConfig', 'EncryptSetting'] as const) {
      assert.equal(typeof sd![field], 'string', `${field} is a JSON string`);
    }
    assert.deepEqual(JSON.parse(sd!.Video), { Codec: 'H.264', Bitrate: '400', Height: '480' });
    assert.deepEqual(JSON.parse(sd!.Audio), { Codec: 'AAC', Bitrate: '64' });
    assert.deepEqual(JSON.parse(sd!.Container), { Format: 'm3u8' });
    assert.deepEqual(JSON.parse(sd!.MuxConfig), { Segment: { Duration: '4' } });
    assert.equal((JSON.parse(sd!.EncryptSetting!) as { EncryptType: string }).EncryptType, 'HLSEncryption');
    assert.deepEqual(JSON.parse(ld!.Video), { Codec: 'H.264', Bitrate: '200', Width: '320' });
    assert.equal(ld!.EncryptSetting, undefined, 'no EncryptSetting when none was given');

    // Adding to an existing group appends templates.
    await add({
      TranscodeTemplateGroupId: id,
      TranscodeTemplateList: JSON.stringify([template('HD', 720)]),
    });
    assert.deepEqual(
      (await get(id)).TranscodeTemplateList.map((t) => t.Definition),
      ['SD', 'LD', 'HD'],
    );
    await expectApiError(
      vod.request('GetTranscodeTemplateGroup', { TranscodeTemplateGroupId: 'nosuchgroup' }),
      'InvalidTranscodeTemplateGroup.NotFound',
      404,
    );
  });

  test('List: a plain array with the built-in default and VOD_NO_TRANSCODE, without templates', async () => {
    const { TranscodeTemplateGroupId: id } = await add({ Name: 'listed' });
    const groups = await list();
    assert.ok(Array.isArray(groups), 'TranscodeTemplateGroupList is a plain array');
    const defaults = groups.filter((g) => g.IsDefault === 'Default');
    assert.equal(defaults.length, 1, 'exactly one default group');
    const special = groups.find((g) => g.TranscodeTemplateGroupId === 'VOD_NO_TRANSCODE');
    assert.ok(special, 'the "no transcoding" group is listed');
    assert.equal(special.IsDefault, 'NotDefault');
    const listed = groups.find((g) => g.TranscodeTemplateGroupId === id);
    assert.equal(listed?.Name, 'listed');
    for (const group of groups) {
      assert.equal(group.TranscodeTemplateList, undefined, 'List carries no templates');
      assert.ok(['Default', 'NotDefault'].includes(group.IsDefault));
      assert.ok(['Enabled', 'Disabled'].includes(group.Locked));
      assert.match(group.CreationTime, WIRE_TIME);
    }
    // The built-in default has the H.264 ladder.
    const builtIn = await get(defaults[0]!.TranscodeTemplateGroupId);
    assert.ok(builtIn.TranscodeTemplateList.length >= 3);
    assert.deepEqual((await get('VOD_NO_TRANSCODE')).TranscodeTemplateList, []);
  });

  test('Update: rename, replace templates, lock, refuse edits while locked, unlock', async () => {
    const { TranscodeTemplateGroupId: id } = await add({
      Name: 'editable',
      TranscodeTemplateList: JSON.stringify([template('SD', 480), template('LD', 240)]),
    });
    const original = await get(id);
    const keptId = original.TranscodeTemplateList[0]!.TranscodeTemplateId;

    await update({ TranscodeTemplateGroupId: id, Name: 'renamed' });
    let group = await get(id);
    assert.equal(group.Name, 'renamed');
    assert.equal(group.TranscodeTemplateList.length, 2, 'templates kept when not sent');

    await update({
      TranscodeTemplateGroupId: id,
      TranscodeTemplateList: JSON.stringify([
        { ...template('SD', 360), TranscodeTemplateId: keptId },
        template('FHD', 1080),
        template('HD', 720),
      ]),
    });
    group = await get(id);
    assert.deepEqual(
      group.TranscodeTemplateList.map((t) => [t.Definition, JSON.parse(t.Video).Height]),
      [
        ['SD', '360'],
        ['FHD', '1080'],
        ['HD', '720'],
      ],
    );
    assert.equal(
      group.TranscodeTemplateList[0]!.TranscodeTemplateId,
      keptId,
      'a named template keeps its id',
    );
    assert.equal(group.Name, 'renamed');

    await update({ TranscodeTemplateGroupId: id, Locked: 'Enabled' });
    assert.equal((await get(id)).Locked, 'Enabled');
    await expectApiError(
      update({ TranscodeTemplateGroupId: id, Name: 'while locked' }),
      'Forbidden.LockedTemplateGroup',
      403,
    );
    await expectApiError(
      add({ TranscodeTemplateGroupId: id, TranscodeTemplateList: JSON.stringify([template('LD', 240)]) }),
      'Forbidden.LockedTemplateGroup',
      403,
    );
    await expectApiError(
      vod.request('DeleteTranscodeTemplateGroup', { TranscodeTemplateGroupId: id }),
      'Forbidden.LockedTemplateGroup',
      403,
    );
    group = await get(id);
    assert.equal(group.Name, 'renamed', 'a refused edit changes nothing');
    assert.equal(group.TranscodeTemplateList.length, 3);

    await update({ TranscodeTemplateGroupId: id, Locked: 'Disabled' });
    assert.equal((await get(id)).Locked, 'Disabled');
    await update({ TranscodeTemplateGroupId: id, Name: 'unlocked' });
    assert.equal((await get(id)).Name, 'unlocked');

    await expectApiError(
      update({ TranscodeTemplateGroupId: id, Locked: 'Yes' }),
      'InvalidParameter',
      400,
      /"Locked"/,
    );
    await expectApiError(
      update({ TranscodeTemplateGroupId: 'nosuchgroup', Name: 'x' }),
      'InvalidTranscodeTemplateGroup.NotFound',
      404,
    );
    await expectApiError(
      update({ TranscodeTemplateGroupId: 'VOD_NO_TRANSCODE', Name: 'x' }),
      'Forbidden.SpecialTemplateGroup',
      403,
    );
  });

  test('SetDefault moves the default; uploads without TemplateGroupId then use it', async () => {
    const oldDefault = (await list()).find((g) => g.IsDefault === 'Default')!;
    const { TranscodeTemplateGroupId: id } = await add({
      Name: 'new default',
      TranscodeTemplateList: JSON.stringify([template('LD', 240)]),
    });
    await vod.request('SetDefaultTranscodeTemplateGroup', { TranscodeTemplateGroupId: id });
    assert.equal((await get(id)).IsDefault, 'Default');
    assert.equal((await get(oldDefault.TranscodeTemplateGroupId)).IsDefault, 'NotDefault');
    assert.deepEqual(
      (await list()).filter((g) => g.IsDefault === 'Default').map((g) => g.TranscodeTemplateGroupId),
      [id],
    );

    const ticket = await createUpload(vod, { Title: 'uses the default', FileName: 'a.mp4' });
    const { Video } = await vod.request<{ Video: { TemplateGroupId: string } }>('GetVideoInfo', {
      VideoId: ticket.videoId,
    });
    assert.equal(Video.TemplateGroupId, id);

    await expectApiError(
      vod.request('SetDefaultTranscodeTemplateGroup', { TranscodeTemplateGroupId: 'nosuchgroup' }),
      'InvalidTranscodeTemplateGroup.NotFound',
      404,
    );
  });

  test('Delete: refuses the default and the special group, 404 for unknown, removes others', async () => {
    const current = (await list()).find((g) => g.IsDefault === 'Default')!;
    const error = await popError(
      vod.request('DeleteTranscodeTemplateGroup', {
        TranscodeTemplateGroupId: current.TranscodeTemplateGroupId,
      }),
    );
    assert.match(error.code, /^Forbidden/);
    assert.equal(error.entry.response.statusCode, 403);
    assert.equal((await get(current.TranscodeTemplateGroupId)).IsDefault, 'Default', 'the default is kept');

    await expectApiError(
      vod.request('DeleteTranscodeTemplateGroup', { TranscodeTemplateGroupId: 'VOD_NO_TRANSCODE' }),
      'Forbidden.SpecialTemplateGroup',
      403,
    );
    await expectApiError(
      vod.request('DeleteTranscodeTemplateGroup', { TranscodeTemplateGroupId: 'nosuchgroup' }),
      'InvalidTranscodeTemplateGroup.NotFound',
      404,
    );

    const { TranscodeTemplateGroupId: id } = await add({ Name: 'short-lived' });
    await vod.request('DeleteTranscodeTemplateGroup', { TranscodeTemplateGroupId: id });
    await expectApiError(
      vod.request('GetTranscodeTemplateGroup', { TranscodeTemplateGroupId: id }),
      'InvalidTranscodeTemplateGroup.NotFound',
      404,
    );
    assert.ok(!(await list()).some((g) => g.TranscodeTemplateGroupId === id));
  });

  test('invalid templates: InvalidParameter naming the field path, for Add and Update', async () => {
    const { TranscodeTemplateGroupId: id } = await add({
      Name: 'validation target',
      TranscodeTemplateList: JSON.stringify([template('SD', 480)]),
    });
    const good = template('SD', 480);
    const cases: [string, string, RegExp][] = [
      [
        'bad Definition',
        JSON.stringify([good, { ...good, Definition: 'XD' }]),
        /TranscodeTemplateList\[1\]\.Definition/,
      ],
      [
        'H.265',
        JSON.stringify([{ ...good, Video: { Codec: 'H.265' } }]),
        /TranscodeTemplateList\[0\]\.Video\.Codec/,
      ],
      [
        'Bitrate 5',
        JSON.stringify([{ ...good, Video: { Codec: 'H.264', Bitrate: '5' } }]),
        /TranscodeTemplateList\[0\]\.Video\.Bitrate/,
      ],
      [
        'odd Width',
        JSON.stringify([good, good, { ...good, Video: { Width: '641' } }]),
        /TranscodeTemplateList\[2\]\.Video\.Width/,
      ],
      [
        'Container flv',
        JSON.stringify([{ ...good, Container: { Format: 'flv' } }]),
        /TranscodeTemplateList\[0\]\.Container\.Format/,
      ],
      [
        'EncryptType Foo',
        JSON.stringify([{ ...good, EncryptSetting: { EncryptType: 'Foo' } }]),
        /TranscodeTemplateList\[0\]\.EncryptSetting\.EncryptType/,
      ],
      [
        'Segment Duration 0',
        JSON.stringify([{ ...good, MuxConfig: { Segment: { Duration: '0' } } }]),
        /TranscodeTemplateList\[0\]\.MuxConfig\.Segment\.Duration/,
      ],
      ['not an array', JSON.stringify(good), /"TranscodeTemplateList".*array/],
      ['not JSON', '[{"Definition":"SD"', /"TranscodeTemplateList".*JSON/],
    ];
    const groupsBefore = (await list()).length;
    for (const [what, raw, field] of cases) {
      const addMessage = await expectApiError(
        add({ Name: `invalid ${what}`, TranscodeTemplateList: raw }),
        'InvalidParameter',
        400,
      );
      assert.match(addMessage, field, `Add, ${what}: ${addMessage}`);
      const updateMessage = await expectApiError(
        update({ TranscodeTemplateGroupId: id, TranscodeTemplateList: raw }),
        'InvalidParameter',
        400,
      );
      assert.match(updateMessage, field, `Update, ${what}: ${updateMessage}`);
    }
    assert.equal((await list()).length, groupsBefore, 'no group was created');
    const after = await get(id);
    assert.deepEqual(
      after.TranscodeTemplateList.map((t) => [t.Definition, JSON.parse(t.Video).Height]),
      [['SD', '480']],
      'the group was left as it was',
    );
  });
});
