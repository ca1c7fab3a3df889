import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_LADDER,
  LadderPlanError,
  defaultVideoBitrateKbps,
  planLadder,
  streamDefinitionFor,
  type LadderTemplate,
  type PlannedRendition,
  type SourceSummary,
} from '../../src/transcode/ladder-planner.js';

const src = (width: number, height: number, over: Partial<SourceSummary> = {}): SourceSummary => ({
  width,
  height,
  fps: 25,
  hasAudio: true,
  durationSeconds: 60,
  ...over,
});

const sizes = (renditions: PlannedRendition[]) => renditions.map((r) => `${r.name}:${r.width}x${r.height}`);

function assertWellFormed(renditions: PlannedRendition[], source: SourceSummary): void {
  assert.ok(renditions.length >= 1);
  for (const r of renditions) {
    assert.ok(r.width % 2 === 0 && r.height % 2 === 0, `${r.name} ${r.width}x${r.height} is not even`);
    assert.ok(r.width <= source.width && r.height <= source.height, `${r.name} upscales`);
    assert.ok(r.videoBitrateKbps > 0 && r.maxrateKbps >= r.videoBitrateKbps && r.audioBitrateKbps > 0);
  }
  for (let i = 1; i < renditions.length; i++) {
    assert.ok(renditions[i - 1]!.height > renditions[i]!.height, 'sorted by height, no duplicates');
  }
  assert.equal(new Set(renditions.map((r) => r.name)).size, renditions.length, 'unique names');
}

test('1080p landscape source gets the whole default ladder, highest first', () => {
  const source = src(1920, 1080);
  const plan = planLadder(source, DEFAULT_LADDER);
  assertWellFormed(plan, source);
  assert.deepEqual(sizes(plan), ['fhd:1920x1080', 'hd:1280x720', 'sd:960x540', 'ld:640x360']);
  assert.deepEqual(
    plan.map((r) => [r.videoBitrateKbps, r.maxrateKbps, r.audioBitrateKbps, r.profile]),
    [
      [4500, 4950, 128, 'high'],
      [2500, 2750, 128, 'high'],
      [1500, 1650, 128, 'high'],
      [800, 880, 128, 'main'],
    ],
  );
  assert.ok(
    plan.every((r) => r.fps === undefined),
    'source frame rate kept',
  );
});

test('4K source: default ladder tops out at 1080p; 2K and 4K templates are kept', () => {
  const source = src(3840, 2160, { fps: 60 });
  assert.deepEqual(sizes(planLadder(source, DEFAULT_LADDER)), [
    'fhd:1920x1080',
    'hd:1280x720',
    'sd:960x540',
    'ld:640x360',
  ]);
  const plan = planLadder(source, [{ definition: '4K' }, { definition: '2K' }, { definition: 'HD' }]);
  assertWellFormed(plan, source);
  assert.deepEqual(sizes(plan), ['4k:3840x2160', '2k:2560x1440', 'hd:1280x720']);
  // Bitrates defaulted by size, ×1.5 for a 60 fps source.
  assert.deepEqual(
    plan.map((r) => r.videoBitrateKbps),
    [24000, 13500, 3750],
  );
});

test('portrait source: nominal sizes apply to the short side', () => {
  const source = src(1080, 1920);
  const plan = planLadder(source, DEFAULT_LADDER);
  assertWellFormed(plan, source);
  assert.deepEqual(sizes(plan), ['fhd:1080x1920', 'hd:720x1280', 'sd:540x960', 'ld:360x640']);
  assert.equal(plan[1]!.videoBitrateKbps, 2500);
});

test('portrait source with a height-only template keeps the aspect ratio, even width', () => {
  const source = src(1080, 1920);
  const plan = planLadder(source, [{ definition: 'HD', height: 720 }]);
  assert.deepEqual(sizes(plan), ['hd:406x720']);
  // 406 ≈ 720 × 1080 / 1920 = 405, rounded to even.
});

test('width-only and box templates preserve the source aspect ratio', () => {
  const source = src(1920, 800); // 2.4:1 scope
  const plan = planLadder(source, [
    { definition: 'HD', width: 1280 },
    { definition: 'SD', width: 960, height: 540 }, // fitted inside the box
  ]);
  assertWellFormed(plan, source);
  assert.deepEqual(sizes(plan), ['hd:1280x534', 'sd:960x400']);
});

test('odd source sizes: even outputs that never exceed the source', () => {
  const source = src(853, 481);
  const plan = planLadder(source, [{ definition: 'OD' }, { definition: 'LD', height: 360 }]);
  assertWellFormed(plan, source);
  assert.deepEqual(sizes(plan), ['od:852x480', 'ld:638x360']);
  const tiny = src(641, 361);
  assert.deepEqual(sizes(planLadder(tiny, [{ definition: 'LD' }])), ['ld:640x360']);
});

test('templates larger than the source are dropped', () => {
  const source = src(1280, 720);
  const plan = planLadder(source, DEFAULT_LADDER);
  assert.deepEqual(sizes(plan), ['hd:1280x720', 'sd:960x540', 'ld:640x360']);
  assert.ok(!plan.some((r) => r.definition === 'FHD'));
});

test('tiny 160x120 source: everything would upscale, so the smallest template is kept at source size', () => {
  const source = src(160, 120);
  const plan = planLadder(source, DEFAULT_LADDER);
  assertWellFormed(plan, source);
  assert.deepEqual(sizes(plan), ['ld:160x120']);
  assert.equal(plan[0]!.definition, 'LD');
  // LD's 800k was meant for 360p: capped to the default for 120p.
  assert.equal(plan[0]!.videoBitrateKbps, defaultVideoBitrateKbps(160, 120));
  assert.equal(plan[0]!.videoBitrateKbps, 200);
});

test('fps: templates only ever lower the frame rate', () => {
  const source = src(1280, 720, { fps: 24 });
  const plan = planLadder(source, [
    { definition: 'HD', fps: 60 },
    { definition: 'SD', fps: 24 },
    { definition: 'LD', fps: 15 },
  ]);
  assert.deepEqual(
    plan.map((r) => [r.name, r.fps]),
    [
      ['hd', undefined],
      ['sd', undefined],
      ['ld', 15],
    ],
  );
  // Unknown source rate: the template's rate is used as given.
  assert.equal(planLadder(src(1280, 720, { fps: 0 }), [{ definition: 'HD', fps: 30 }])[0]!.fps, 30);
});

test('same resulting height is kept once, with the higher bitrate; names stay unique', () => {
  const source = src(1280, 720);
  const plan = planLadder(source, [
    { templateId: 't-a', definition: 'HD', videoBitrateKbps: 2000 },
    { templateId: 't-b', definition: 'FHD', height: 720, videoBitrateKbps: 3000 },
    { templateId: 't-c', definition: 'SD', height: 540 },
    { templateId: 't-d', definition: 'SD', height: 480 },
  ]);
  assertWellFormed(plan, source);
  assert.deepEqual(
    plan.map((r) => [r.templateId, r.name, r.height, r.videoBitrateKbps]),
    [
      ['t-b', 'fhd', 720, 3000],
      ['t-c', 'sd', 540, 1500],
      ['t-d', 'sd-480p', 480, 1200],
    ],
  );
});

test('given bitrates are kept; missing ones default by size; audio defaults to 128k', () => {
  const plan = planLadder(src(1920, 1080), [
    { definition: 'HD', videoBitrateKbps: 1800, audioBitrateKbps: 96 },
    { definition: 'LD' },
  ]);
  assert.deepEqual(
    plan.map((r) => [r.videoBitrateKbps, r.audioBitrateKbps]),
    [
      [1800, 96],
      [800, 128],
    ],
  );
});

test('stream definition keeps the template definition name (documented choice)', () => {
  assert.equal(streamDefinitionFor('LD'), 'LD');
  assert.equal(streamDefinitionFor('FHD'), 'FHD');
  const plan = planLadder(src(1920, 1080), [{ definition: 'HD-NBV1' }, { definition: 'OD' }]);
  assert.deepEqual(
    plan.map((r) => [r.definition, r.streamDefinition, r.name, r.height]),
    [
      ['OD', 'OD', 'od', 1080],
      ['HD-NBV1', 'HD-NBV1', 'hd-nbv1', 720],
    ],
  );
});

test('no templates, or only audio templates, is NoTemplates', () => {
  for (const templates of [[], [{ definition: 'SQ' }, { definition: 'HQ' }]] as LadderTemplate[][]) {
    assert.throws(
      () => planLadder(src(1280, 720), templates),
      (err: unknown) => err instanceof LadderPlanError && err.code === 'NoTemplates' && err.permanent,
    );
  }
  // Audio templates next to video ones are skipped.
  assert.deepEqual(sizes(planLadder(src(1280, 720), [{ definition: 'SQ' }, { definition: 'LD' }])), [
    'ld:640x360',
  ]);
});

test('invalid templates and sources are named errors', () => {
  assert.throws(
    () => planLadder(src(1280, 720), [{ definition: 'CUSTOM' }]),
    (err: unknown) =>
      err instanceof LadderPlanError && err.code === 'InvalidTemplate' && /Width or Height/.test(err.message),
  );
  assert.throws(
    () => planLadder(src(1280, 720), [{ definition: 'HD', height: -720 }]),
    (err: unknown) => err instanceof LadderPlanError && err.code === 'InvalidTemplate',
  );
  assert.throws(
    () => planLadder(src(0, 0), DEFAULT_LADDER),
    (err: unknown) => err instanceof LadderPlanError && err.code === 'InvalidSource',
  );
});

test('a planned rendition is accepted by buildHlsLadderArgs as is', async () => {
  const { buildHlsLadderArgs } = await import('@securevod/ffmpeg');
  const plan = planLadder(src(1080, 1920, { fps: 30 }), DEFAULT_LADDER);
  const args = buildHlsLadderArgs({
    input: '/tmp/in.mp4',
    outputDir: '/tmp/out',
    renditions: plan,
    hasAudio: true,
    segmentSeconds: 4,
  });
  assert.ok(args.includes('v:0,a:0,name:fhd v:1,a:1,name:hd v:2,a:2,name:sd v:3,a:3,name:ld'));
});
