/**
 * Categories and SearchMedia (reference-more §5) against the running server, through the
 * vendor's unmodified `@alicloud/pop-core`: the category tree under CateId -1, CateId/CateName on
 * videos and as filters, renames and deletions reaching the videos, and SearchMedia by title,
 * category, status and time range with Fields, SortBy, page numbers and ScrollToken. Malformed
 * and SQL-looking Match expressions answer InvalidParameter naming the position.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type RPCClient from '@alicloud/pop-core';
import { makeDataDir, removeDir, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { vodClient } from '../support/vod-client.js';
import { createUpload, decodeTicket, ossClientFor, waitForStatus } from '../support/vod-upload.js';
import { expectApiError, plain, sleep } from './e2e-helpers.js';

interface WireCategory {
  CateId: number;
  CateName: string;
  ParentId: number;
  Level: number;
  Type: string;
  SubTotal?: number;
}
interface CategoriesAnswer {
  SubTotal: number;
  Category: WireCategory;
  SubCategories: { Category: WireCategory[] };
}
interface SearchAnswer {
  Total: number;
  ScrollToken: string;
  MediaList: {
    MediaId: string;
    MediaType: string;
    CreationTime: string;
    Video: Record<string, unknown> & { VideoId: string; Title?: string };
  }[];
}

describe('categories and SearchMedia through pop-core', () => {
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
    if (dataDir) await removeDir(dataDir);
  });

  const addCategory = async (name: string, parentId?: number) =>
    (
      await vod.request<{ Category: WireCategory }>('AddCategory', {
        CateName: name,
        ...(parentId !== undefined ? { ParentId: String(parentId) } : {}),
      })
    ).Category;
  const categories = (params: Record<string, string> = {}) =>
    vod.request<CategoriesAnswer>('GetCategories', params);
  const search = (params: Record<string, string>) => vod.request<SearchAnswer>('SearchMedia', params);
  const video = async (videoId: string) =>
    (await vod.request<{ Video: Record<string, unknown> }>('GetVideoInfo', { VideoId: videoId })).Video;

  test('AddCategory, UpdateCategory, DeleteCategory and GetCategories build a three-level tree', async () => {
    const courses = await addCategory('Courses');
    assert.deepEqual(
      { ...(plain(courses) as WireCategory), CateId: 0 },
      { CateId: 0, CateName: 'Courses', ParentId: -1, Level: 0, Type: 'default' },
    );
    assert.equal(typeof courses.CateId, 'number');
    const maths = await addCategory('Maths', courses.CateId);
    const algebra = await addCategory('Algebra', maths.CateId);
    assert.equal(maths.Level, 1);
    assert.deepEqual([algebra.Level, algebra.ParentId], [2, maths.CateId]);
    await expectApiError(
      vod.request('AddCategory', { CateName: 'Too deep', ParentId: String(algebra.CateId) }),
      'LevelExceededMax',
      400,
    );
    await expectApiError(
      vod.request('AddCategory', { CateName: 'Orphan', ParentId: '999' }),
      'InvalidCateId.NotFound',
      404,
    );
    await expectApiError(vod.request('AddCategory', {}), 'MissingParameter', 400, /"CateName"/);
    await expectApiError(
      vod.request('AddCategory', { CateName: 'x'.repeat(65) }),
      'LengthExceededMax',
      400,
      /CateName/,
    );

    const root = await categories();
    assert.equal(root.Category.CateId, -1, 'CateId -1 is the root');
    const top = root.SubCategories.Category.find((c) => c.CateId === courses.CateId);
    assert.deepEqual([top?.CateName, top?.SubTotal], ['Courses', 1]);
    const level1 = await categories({ CateId: String(courses.CateId) });
    assert.equal(level1.Category.CateName, 'Courses');
    assert.equal(level1.SubTotal, 1);
    assert.deepEqual(
      level1.SubCategories.Category.map((c) => [c.CateName, c.Level, c.SubTotal]),
      [['Maths', 1, 1]],
    );

    await vod.request('UpdateCategory', { CateId: String(maths.CateId), CateName: 'Mathematics' });
    assert.equal(
      (await categories({ CateId: String(courses.CateId) })).SubCategories.Category[0]!.CateName,
      'Mathematics',
    );
    await expectApiError(
      vod.request('UpdateCategory', { CateId: '123', CateName: 'x' }),
      'InvalidCateId.NotFound',
      404,
    );

    // Paging and order of the children.
    const parent = await addCategory('Paged');
    for (const n of [1, 2, 3]) {
      await addCategory(`child ${n}`, parent.CateId);
      await sleep(5);
    }
    const page = await categories({
      CateId: String(parent.CateId),
      PageSize: '2',
      SortBy: 'CreationTime:Asc',
    });
    assert.equal(page.SubTotal, 3);
    assert.deepEqual(
      page.SubCategories.Category.map((c) => c.CateName),
      ['child 1', 'child 2'],
    );
    const page2 = await categories({
      CateId: String(parent.CateId),
      PageSize: '2',
      PageNo: '2',
      SortBy: 'CreationTime:Asc',
    });
    assert.deepEqual(
      page2.SubCategories.Category.map((c) => c.CateName),
      ['child 3'],
    );

    // Deleting a category deletes its subtree and takes it off videos.
    const ticket = await createUpload(vod, {
      Title: 'tagged',
      FileName: 'a.mp4',
      CateId: String(algebra.CateId),
    });
    assert.deepEqual(
      [(await video(ticket.videoId)).CateId, (await video(ticket.videoId)).CateName],
      [algebra.CateId, 'Algebra'],
    );
    await vod.request('DeleteCategory', { CateId: String(maths.CateId) });
    await expectApiError(categories({ CateId: String(algebra.CateId) }), 'InvalidCateId.NotFound', 404);
    assert.equal((await categories({ CateId: String(courses.CateId) })).SubTotal, 0);
    assert.equal((await video(ticket.videoId)).CateId, undefined, 'the video lost its deleted category');
    await expectApiError(
      vod.request('DeleteCategory', { CateId: String(maths.CateId) }),
      'InvalidCateId.NotFound',
      404,
    );
  });

  test('CateId and CateName on videos: set, renamed, filtered, and refused when unknown', async () => {
    const films = await addCategory('Films');
    const ticket = await createUpload(vod, {
      Title: 'film',
      FileName: 'a.mp4',
      CateId: String(films.CateId),
    });
    const other = await createUpload(vod, { Title: 'other', FileName: 'a.mp4' });
    await vod.request('UpdateCategory', { CateId: String(films.CateId), CateName: 'Cinema' });
    const info = await video(ticket.videoId);
    assert.deepEqual([info.CateId, info.CateName], [films.CateId, 'Cinema'], 'renames reach the videos');
    const list = await vod.request<{
      Total: number;
      VideoList: { Video: { VideoId: string; CateName: string }[] };
    }>('GetVideoList', { CateId: String(films.CateId) });
    assert.deepEqual(
      list.VideoList.Video.map((v) => [v.VideoId, v.CateName]),
      [[ticket.videoId, 'Cinema']],
    );
    const infos = await vod.request<{ VideoList: { CateName?: string }[] }>('GetVideoInfos', {
      VideoIds: `${ticket.videoId},${other.videoId}`,
    });
    assert.deepEqual(
      infos.VideoList.map((v) => v.CateName),
      ['Cinema', undefined],
    );

    await vod.request('UpdateVideoInfo', { VideoId: other.videoId, CateId: String(films.CateId) });
    assert.equal((await video(other.videoId)).CateName, 'Cinema');
    await vod.request('UpdateVideoInfo', { VideoId: other.videoId, CateId: '-1' });
    assert.equal((await video(other.videoId)).CateId, undefined, 'CateId -1 clears the category');
    await expectApiError(
      createUpload(vod, { Title: 'x', FileName: 'a.mp4', CateId: '424242' }),
      'InvalidCateId.NotFound',
      404,
    );
    await expectApiError(
      vod.request('UpdateVideoInfo', { VideoId: ticket.videoId, CateId: 'music' }),
      'InvalidParameter',
      400,
      /"CateId"/,
    );
  });

  describe('SearchMedia', () => {
    let lectures: WireCategory;
    const ids: Record<string, string> = {};
    let times: string[] = [];

    before(async () => {
      lectures = await addCategory('Lectures');
      for (const [title, cate] of [
        ['Search: algebra lecture', true],
        ['Search: geometry lecture', true],
        ['Search: concert', false],
        ['Search: 100% cotton', false],
      ] as const) {
        const ticket = await createUpload(vod, {
          Title: title,
          FileName: 'a.mp4',
          TemplateGroupId: 'VOD_NO_TRANSCODE',
          ...(cate ? { CateId: String(lectures.CateId) } : {}),
        });
        ids[title] = ticket.videoId;
        // 1.1 s apart, so whole-second CreationTimes differ.
        await sleep(1100);
      }
      // One of them finishes its upload: UploadSucc.
      const done = ids['Search: geometry lecture']!;
      const ticket = await vod.request<{ UploadAddress: string; UploadAuth: string; VideoId: string }>(
        'RefreshUploadVideo',
        { VideoId: done },
      );
      const decoded = decodeTicket(ticket);
      await ossClientFor(decoded).put(decoded.address.FileName, Buffer.alloc(2000, 1));
      await waitForStatus(vod, done, ['UploadSucc'], 10_000);
      const all = await search({ Match: "Title = 'Search:'", SortBy: 'CreationTime:Asc', PageSize: '10' });
      times = all.MediaList.map((m) => m.CreationTime);
    });

    const titles = (answer: SearchAnswer) => answer.MediaList.map((m) => m.Video.Title);

    test('finds by title (fuzzy), category, status and time range; default fields and Fields', async () => {
      const byTitle = await search({ Match: "Title = 'lecture'", SortBy: 'CreationTime:Asc' });
      assert.equal(byTitle.Total, 2);
      assert.deepEqual(titles(byTitle), ['Search: algebra lecture', 'Search: geometry lecture']);
      const item = byTitle.MediaList[0]!;
      assert.deepEqual([item.MediaType, item.MediaId], ['video', ids['Search: algebra lecture']]);
      assert.match(item.CreationTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.deepEqual(Object.keys(item.Video).sort(), [
        'CoverURL',
        'CreationTime',
        'ModificationTime',
        'Status',
        'Title',
        'VideoId',
      ]);

      const byCate = await search({
        Match: `CateId = ${lectures.CateId}`,
        Fields: 'CateId,CateName,Size,Tags',
      });
      assert.equal(byCate.Total, 2);
      assert.deepEqual(plain(byCate.MediaList.map((m) => [m.Video.CateId, m.Video.CateName])), [
        [lectures.CateId, 'Lectures'],
        [lectures.CateId, 'Lectures'],
      ]);
      assert.deepEqual(Object.keys(byCate.MediaList[0]!.Video).sort(), [
        'CateId',
        'CateName',
        'Size',
        'Tags',
        'VideoId',
      ]);

      const byStatus = await search({ Match: "Status = 'UploadSucc' and Title = 'Search:'" });
      assert.deepEqual(
        titles(await search({ Match: "Status = 'UploadSucc' and Title = 'Search:'", Fields: 'Title' })),
        ['Search: geometry lecture'],
      );
      assert.equal(byStatus.Total, 1);
      const inList = await search({
        Match: "Status in ('Uploading','UploadSucc') and Title in ('concert','cotton')",
      });
      assert.equal(inList.Total, 2);

      // CreationTime ranges: [t1, t2] closed; (t1, t3) open; one-sided.
      const closed = await search({
        Match: `CreationTime = ['${times[1]}','${times[2]}'] and Title = 'Search:'`,
        Fields: 'Title',
        SortBy: 'CreationTime:Asc',
      });
      assert.deepEqual(titles(closed), ['Search: geometry lecture', 'Search: concert']);
      const open = await search({
        Match: `CreationTime = ('${times[0]}','${times[2]}') and Title = 'Search:'`,
        Fields: 'Title',
      });
      assert.deepEqual(titles(open), ['Search: geometry lecture']);
      const since = await search({
        Match: `CreationTime = ['${times[3]}',) and Title = 'Search:'`,
        Fields: 'Title',
      });
      assert.deepEqual(titles(since), ['Search: 100% cotton']);
      const either = await search({
        Match: `(CateId = ${lectures.CateId} or Title = '100%') and Status = 'Uploading'`,
        Fields: 'Title',
        SortBy: 'CreationTime:Asc',
      });
      assert.deepEqual(titles(either), ['Search: algebra lecture', 'Search: 100% cotton']);
    });

    test('pages with PageNo/PageSize and through everything with ScrollToken', async () => {
      const base = {
        Match: "Title = 'Search:'",
        Fields: 'Title',
        SortBy: 'CreationTime:Desc',
        PageSize: '1',
      };
      const second = await search({ ...base, PageNo: '2' });
      assert.equal(second.Total, 4);
      assert.deepEqual(titles(second), ['Search: concert']);

      // Full traversal: PageNo counting on with the token, as the SDK samples do.
      const seen: string[] = [];
      let token = '';
      for (let pageNo = 1; pageNo <= 6; pageNo++) {
        const page = await search({
          ...base,
          PageSize: '3',
          PageNo: String(pageNo),
          ...(token ? { ScrollToken: token } : {}),
        });
        if (page.MediaList.length === 0) break;
        seen.push(...titles(page).map(String));
        token = page.ScrollToken;
        assert.ok(token.length > 0);
      }
      assert.deepEqual(seen, [
        'Search: 100% cotton',
        'Search: concert',
        'Search: geometry lecture',
        'Search: algebra lecture',
      ]);
      // Keeping PageNo at 1 with the token continues too.
      const first = await search({ ...base, PageSize: '2' });
      const next = await search({ ...base, PageSize: '2', ScrollToken: first.ScrollToken });
      assert.deepEqual(titles(next), ['Search: geometry lecture', 'Search: algebra lecture']);

      await expectApiError(
        search({ ...base, ScrollToken: first.ScrollToken, Match: "Title = 'x'" }),
        'InvalidParameter',
        400,
        /"ScrollToken"/,
      );
      await expectApiError(
        search({ ...base, ScrollToken: 'not-a-token' }),
        'InvalidParameter',
        400,
        /"ScrollToken"/,
      );
      await expectApiError(
        search({ ...base, SortBy: 'CreationTime:Desc,ModificationTime:Asc', ScrollToken: first.ScrollToken }),
        'SortByExceededMax',
        400,
      );
      await expectApiError(
        search({ ...base, PageNo: '51', PageSize: '100' }),
        'InvalidParameter',
        400,
        /"PageNo".*ScrollToken/,
      );
      await expectApiError(search({ ...base, PageSize: '101' }), 'InvalidParameter', 400, /"PageSize"/);
      await expectApiError(search({ ...base, SortBy: 'Title:Asc' }), 'InvalidParameter', 400, /"SortBy"/);
      await expectApiError(
        search({ ...base, Fields: 'Title,Secret' }),
        'InvalidParameter',
        400,
        /"Fields".*Secret/,
      );
      await expectApiError(search({ SearchType: 'image' }), 'InvalidParameter', 400, /"SearchType"/);
    });

    test('malformed and SQL-looking Match expressions get InvalidParameter naming the position', async () => {
      for (const [match, position] of [
        ["Title = 'a'; DROP TABLE videos", 12],
        ["Title = 'a' OR 1=1", 13],
        ["Title = 'a' UNION SELECT * FROM access_keys", 26],
        ["Title = 'unclosed", 9],
        ["Status in ('Normal'", 20],
        ['video_id = 1', 1],
        ["Title = 'a' --", 13],
        ['Title = "x" /* */', 13],
      ] as const) {
        const message = await expectApiError(search({ Match: match }), 'InvalidParameter', 400, /"Match"/);
        assert.match(message, new RegExp(`at character ${position}:`), `${match}: ${message}`);
      }
      // Quoted, the same text is data: nothing matches, and nothing broke.
      const data = await search({ Match: "Title = '\\' OR 1=1 --'" });
      assert.equal(data.Total, 0);
      assert.equal((await search({ Match: "Title = 'Search:'" })).Total, 4, 'the catalogue is intact');
    });
  });
});
