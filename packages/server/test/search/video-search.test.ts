/**
 * SearchMedia's query layer on both metadata stores — SQLite (embedded) and PostgreSQL (cluster,
 * each run in a throwaway schema) — with the same seeded catalogue: Match text compiled to
 * parameterised SQL through Kysely must find the same videos on both, treat quotes, `%`, `_` and
 * SQL keywords inside values as data, and page by keyset without gaps or repeats.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkMatch } from '../../src/search/match-compiler.js';
import { parseMatch } from '../../src/search/match-parser.js';
import { searchVideos, sortValues, VIDEO_FIELDS, type SortKey } from '../../src/search/video-search.js';
import { createCategoryStore } from '../../src/store/category-store.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createVideoStore, type NewVideo } from '../../src/store/video-store.js';
import { POSTGRES_URL, withPostgres } from '../support/postgres.js';

const TITLES = [
  'Music theory 101',
  'music for beginners',
  'Cooking: 50% off_pasta',
  "O'Reilly lecture",
  'Piano; DROP TABLE videos',
  'Calculus',
];

function video(videoId: string, title: string, extra: Partial<NewVideo> = {}): NewVideo {
  return {
    videoId,
    title,
    description: null,
    fileName: 'a.mp4',
    fileSize: null,
    coverUrl: null,
    cateId: null,
    tags: null,
    templateGroupId: 'g',
    storageLocation: 'securevod',
    appId: 'app-1000000',
    userData: null,
    status: 'Normal',
    statusReason: null,
    sourceKey: `sources/${videoId}/source.mp4`,
    sourceSize: 1000,
    sourceEtag: null,
    duration: 10,
    width: null,
    height: null,
    fps: null,
    bitrate: null,
    mezzanine: null,
    transcodeProgress: null,
    downloadSwitch: 'on',
    dataKeyCiphertext: null,
    ...extra,
  };
}

function searchContract(label: string, open: () => Promise<Db>) {
  describe(`video search on ${label}`, () => {
    let db: Db;
    let music: number;
    let cooking: number;
    const ids: string[] = [];

    before(async () => {
      db = await open();
      await migrateToLatest(db);
      const categories = createCategoryStore(db);
      music = (
        await categories.insert({ cateName: 'Music', parentId: -1, level: 0, type: 'default', appId: 'a' })
      ).cateId;
      cooking = (
        await categories.insert({ cateName: 'Cooking', parentId: -1, level: 0, type: 'default', appId: 'a' })
      ).cateId;
      // One video a second apart, from 2026-01-01T00:00:00.250Z on.
      let clock = Date.parse('2026-01-01T00:00:00.250Z');
      const videos = createVideoStore(db, { now: () => new Date(clock) });
      for (const [i, title] of TITLES.entries()) {
        const id = `v${String(i).padStart(31, '0')}`;
        ids.push(id);
        await videos.insert(
          video(id, title, {
            status: i === 5 ? 'Uploading' : i === 4 ? 'TranscodeFail' : 'Normal',
            cateId: i < 2 ? music : i === 2 ? cooking : null,
            tags: i === 0 ? 'theory,classic' : null,
            sourceSize: (i + 1) * 1000,
          }),
        );
        clock += 1000;
      }
    });

    after(async () => db?.close());

    const find = async (
      match: string,
      sort: SortKey[] = [{ column: 'videos.creation_time', descending: false }],
    ) => {
      const ast = parseMatch(match);
      const page = await searchVideos(db, {
        where: ast && checkMatch(VIDEO_FIELDS, ast),
        sort,
        offset: 0,
        limit: 100,
      });
      assert.equal(page.total, page.rows.length);
      return page.rows.map((r) => r.title);
    };

    it('fuzzy Title, case-insensitive, with in-lists as any-of', async () => {
      assert.deepEqual(await find("Title = 'music'"), [TITLES[0], TITLES[1]]);
      assert.deepEqual(await find("Title match 'MUSIC THEORY'"), [TITLES[0]]);
      assert.deepEqual(await find("Title in ('calc','piano')"), [TITLES[4], TITLES[5]]);
      assert.deepEqual(await find("Tags = 'classic'"), [TITLES[0]]);
    });

    it('exact and multi-value fields, categories and their names', async () => {
      assert.deepEqual(await find(`CateId = ${music}`), [TITLES[0], TITLES[1]]);
      assert.deepEqual(await find("Status in ('Uploading','TranscodeFail')"), [TITLES[4], TITLES[5]]);
      assert.deepEqual(await find(`VideoId = '${ids[3]}'`), [TITLES[3]]);
      assert.deepEqual(await find("StorageLocation = 'elsewhere'"), []);
      const ast = parseMatch(`CateId = ${cooking}`)!;
      const page = await searchVideos(db, {
        where: checkMatch(VIDEO_FIELDS, ast),
        sort: [{ column: 'videos.creation_time', descending: true }],
        offset: 0,
        limit: 10,
      });
      assert.equal(page.rows[0]!.cateName, 'Cooking');
    });

    it('ranges over times (whole seconds cover the second) and sizes', async () => {
      assert.deepEqual(await find("CreationTime = ['2026-01-01T00:00:01Z','2026-01-01T00:00:02Z']"), [
        TITLES[1],
        TITLES[2],
      ]);
      assert.deepEqual(await find("CreationTime = ('2026-01-01T00:00:01Z','2026-01-01T00:00:03Z')"), [
        TITLES[2],
      ]);
      assert.deepEqual(await find("CreationTime = ('2026-01-01T00:00:04Z',)"), [TITLES[5]]);
      assert.deepEqual(await find('Size = [5000,]'), [TITLES[4], TITLES[5]]);
      assert.deepEqual(await find('Size = (,2000)'), [TITLES[0]]);
    });

    it('and / or combine as written', async () => {
      assert.deepEqual(await find(`Title = 'music' and Status = 'Normal' and CateId = ${music}`), [
        TITLES[0],
        TITLES[1],
      ]);
      assert.deepEqual(
        await find("(Title = 'calculus' or Tags = 'theory') and Status in ('Normal','Uploading')"),
        [TITLES[0], TITLES[5]],
      );
    });

    it('treats quotes, %, _ and SQL inside values as plain text', async () => {
      assert.deepEqual(await find("Title = 'O\\'Reilly'"), [TITLES[3]]);
      assert.deepEqual(await find("Title = '50%'"), [TITLES[2]]);
      assert.deepEqual(await find("Title = '%'"), [TITLES[2]], '% is a character, not a wildcard');
      assert.deepEqual(await find("Title = 'o_f'"), [], '_ is a character, not a wildcard');
      assert.deepEqual(await find("Title = '; DROP TABLE videos'"), [TITLES[4]]);
      assert.deepEqual(await find("Title = 'x\\' OR \\'1\\'=\\'1'"), []);
      assert.deepEqual(await find("VideoId in ('a\\') OR 1=1 --')"), []);
      assert.equal((await find('')).length, TITLES.length, 'the table is still there');
    });

    it('pages by keyset after a position without gaps or repeats, in both directions', async () => {
      for (const descending of [false, true]) {
        const sort = [{ column: 'videos.creation_time', descending }];
        const seen: string[] = [];
        let after: { values: (string | number)[]; id: string } | undefined;
        for (let i = 0; i < 5; i++) {
          const page = await searchVideos(db, { sort, after, offset: 0, limit: 2 });
          assert.equal(page.total, TITLES.length);
          if (page.rows.length === 0) break;
          seen.push(...page.rows.map((r) => r.title));
          const last = page.rows.at(-1)!;
          after = { values: sortValues(last, sort), id: last.videoId };
        }
        assert.deepEqual(seen, descending ? [...TITLES].reverse() : TITLES);
      }
    });
  });
}

searchContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'securevod-search-'));
  const db = await openDatabase({ sqlitePath: join(dir, 'search.sqlite') });
  return { ...db, close: async () => (await db.close(), await rm(dir, { recursive: true, force: true })) };
});
await withPostgres('video search on PostgreSQL', 'securevod_search', (newSchema) => {
  searchContract('PostgreSQL', () => openDatabase({ url: POSTGRES_URL, schema: newSchema() }));
});
