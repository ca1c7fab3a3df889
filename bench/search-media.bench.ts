/**
 * SearchMedia's query layer: CPU per search over a 20 000-video SQLite catalogue — Match text
 * parsed, checked and compiled through Kysely, run, and the rows mapped — against the anchor, the
 * same query written by hand as one prepared better-sqlite3 statement. Both return the same rows
 * (checked first). The difference is what the parser, the compiler and Kysely cost per search.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { checkMatch } from '../packages/server/src/search/match-compiler.js';
import { parseMatch } from '../packages/server/src/search/match-parser.js';
import { searchVideos, VIDEO_FIELDS } from '../packages/server/src/search/video-search.js';
import { createCategoryStore } from '../packages/server/src/store/category-store.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { migrateToLatest } from '../packages/server/src/store/migrator.js';
import { compare, type Benchmark, type BenchContext, type BenchResult } from './benchmark.js';

const VIDEOS = 20_000;
const RUNS = 2_000;
const MATCH =
  "Title = 'lesson 1' and Status in ('Normal','UploadSucc') and CreationTime = ['2026-01-01T01:00:00Z',)";
const ANCHOR_SQL = `select v.*, c.cate_name from videos v left join categories c on c.cate_id = v.cate_id
  where lower(v.title) like ? escape '!' and v.status in (?, ?) and v.creation_time >= ?
  order by v.creation_time desc, v.video_id asc limit 20`;

function cpuMsPerOp(runs: number, op: () => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) op();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / runs;
}

async function cpuMsPerAsyncOp(runs: number, op: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) await op();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / runs;
}

const benchmark: Benchmark = {
  name: 'search-media',
  title: 'SearchMedia query (Match → Kysely → SQLite), 20 000 videos',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const path = join(ctx.workDir, 'search.sqlite');
    const db = await openDatabase({ sqlitePath: path });
    await migrateToLatest(db);
    const cate = await createCategoryStore(db).insert({
      cateName: 'Lessons',
      parentId: -1,
      level: 0,
      type: 'default',
      appId: 'app-1000000',
    });
    ctx.log(`seeding ${VIDEOS} videos`);
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const statuses = ['Normal', 'UploadSucc', 'Uploading', 'TranscodeFail'] as const;
    for (let offset = 0; offset < VIDEOS; offset += 500) {
      await db.kysely
        .insertInto('videos')
        .values(
          Array.from({ length: 500 }, (_, j) => {
            const i = offset + j;
            return {
              video_id: i.toString(16).padStart(32, '0'),
              title: `Lesson ${i}`,
              description: null,
              file_name: 'a.mp4',
              file_size: null,
              cover_url: null,
              cate_id: i % 3 === 0 ? cate.cateId : null,
              tags: null,
              template_group_id: 'g',
              storage_location: 'securevod',
              app_id: 'app-1000000',
              user_data: null,
              status: statuses[i % 4]!,
              status_reason: null,
              source_key: `sources/${i}/source.mp4`,
              source_size: 1000 + i,
              source_etag: null,
              duration: 60,
              width: null,
              height: null,
              fps: null,
              bitrate: null,
              mezzanine: null,
              transcode_progress: null,
              download_switch: 'on' as const,
              data_key_ciphertext: null,
              creation_time: new Date(base + i * 1000).toISOString(),
              modification_time: new Date(base + i * 1000).toISOString(),
              mezzanine_deleted_at: null,
            };
          }),
        )
        .execute();
    }

    const ours = async () => {
      const ast = parseMatch(MATCH)!;
      return searchVideos(db, {
        where: checkMatch(VIDEO_FIELDS, ast),
        sort: [{ column: 'videos.creation_time', descending: true }],
        offset: 0,
        limit: 20,
      });
    };
    const raw = new BetterSqlite3(path, { readonly: true });
    const statement = raw.prepare(ANCHOR_SQL);
    const count = raw.prepare(
      `select count(*) as n from videos v where lower(v.title) like ? escape '!' and v.status in (?, ?) and v.creation_time >= ?`,
    );
    const args = ['%lesson 1%', 'Normal', 'UploadSucc', '2026-01-01T01:00:00.000Z'];
    const anchor = () => ({ total: (count.get(...args) as { n: number }).n, rows: statement.all(...args) });

    try {
      const a = await ours();
      const b = anchor();
      const ids = (rows: { videoId?: string; video_id?: string }[]) =>
        rows.map((r) => r.videoId ?? r.video_id);
      if (
        a.total !== b.total ||
        JSON.stringify(ids(a.rows)) !== JSON.stringify(ids(b.rows as { video_id: string }[]))
      ) {
        throw new Error(`ours and the anchor disagree: ${a.total} vs ${b.total} hits`);
      }
      ctx.log(`${a.total} hits; ${RUNS} searches each`);
      for (let i = 0; i < 100; i++) await ours(); // warm-up
      for (let i = 0; i < 100; i++) anchor();
      const oursMs = await cpuMsPerAsyncOp(RUNS, ours);
      const anchorMs = await cpuMsPerOp(RUNS, anchor);
      return {
        name: 'search-media',
        title: this.title,
        ours: 'SearchMedia query layer (parse, check, Kysely, SQLite, map)',
        anchor: 'the same SQL as one prepared better-sqlite3 statement',
        rows: [compare('CPU per search', 'ms', oursMs, anchorMs, { kind: 'ratio-at-most', value: 1.5 })],
        notes: [`Match: ${MATCH}`, `${a.total} hits, 20 per page, with the total counted`],
        details: { videos: VIDEOS, runs: RUNS, hits: a.total, oursMs, anchorMs },
      };
    } finally {
      raw.close();
      await db.close();
    }
  },
};

export default benchmark;
