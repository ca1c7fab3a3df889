/**
 * Fuzz target "playlist rewriting" (issue 11): random playlists built from RFC 8216's grammar
 * with hostile URIs (backslashes, `..`, brackets, quotes, schemes, other hosts), and arbitrary
 * text. The rewriter may refuse only with `PlaylistRewriteError`; whatever it returns keeps one
 * output line per input line, and every URI it signed is a normalised absolute path on our own
 * origin carrying exactly the signer's query.
 * Found a crash: a relative URI such as `\\[` (parsed as the host `[`) threw a TypeError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PlaylistRewriteError,
  rewritePlaylist,
  type PlaylistUriInfo,
} from '../../src/playback/playlist-rewriter.js';
import { fuzzParameters, fuzzRuns, onlyTyped } from '../support/fuzz.js';

const RUNS = fuzzRuns(3000);
const PLAYLIST_PATH = '/media/v1/hd/index.m3u8';
const OWN = 'https://vod.example.com';

const uriPiece = fc.oneof(
  fc.constantFrom(
    'seg_0.m4s',
    '../other/index.m3u8',
    '..',
    '.',
    '/keys/hls/v1/hd/0',
    `${OWN}/media/v1/sd/index.m3u8`,
    'https://cdn.example.net/key?x=1',
    'http://[::1]:8080/a',
    'data:text/plain,hi',
    'skd://key',
    '//evil.example/x',
    '\\\\[',
    '\\evil',
    '%zz',
    'a?b=c#frag',
    'a b',
    '',
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom('/', '\\', '.', '?', '#', '[', ']', ':', '@', '%', 'a', '"'),
    maxLength: 10,
  }),
);
const uri = fc.array(uriPiece, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));
const attrValue = fc.oneof(
  fc.stringMatching(/^[A-Z0-9.x-]{0,10}$/),
  fc.string({ maxLength: 8 }).map((s) => `"${s.replace(/"/g, '')}"`),
);
const tagName = fc.constantFrom(
  'EXT-X-KEY',
  'EXT-X-MAP',
  'EXT-X-MEDIA',
  'EXT-X-SESSION-KEY',
  'EXT-X-I-FRAME-STREAM-INF',
  'EXT-X-PART',
  'EXT-X-PRELOAD-HINT',
  'EXT-X-CUSTOM-KEY',
  'EXT-X-DATERANGE',
  'EXTINF',
);
const attributeTag = fc
  .tuple(
    tagName,
    fc.array(fc.tuple(fc.constantFrom('METHOD', 'URI', 'IV', 'TYPE', 'uri', 'URI '), attrValue), {
      maxLength: 3,
    }),
    fc.option(uri, { nil: undefined }),
    fc.constantFrom(',', '', ',,', ' ,'),
  )
  .map(([tag, attrs, withUri, sep]) => {
    const list = attrs.map(([k, v]) => `${k}=${v}`);
    if (withUri !== undefined) list.push(`URI="${withUri.replace(/"/g, '')}"`);
    return `#${tag}:${list.join(sep || ',')}`;
  });
const line = fc.oneof(
  { weight: 3, arbitrary: uri },
  { weight: 3, arbitrary: attributeTag },
  fc.constantFrom(
    '#EXT-X-STREAM-INF:BANDWIDTH=1000',
    '#EXTINF:2.0,title with URI="x"',
    '#EXT-X-ENDLIST',
    '# comment',
    '',
    '   ',
  ),
  fc.string({ maxLength: 20 }),
);
const playlist = fc
  .tuple(
    fc.constantFrom('#EXTM3U', '\uFEFF#EXTM3U', ' #EXTM3U ', '#EXTM3', ''),
    fc.array(line, { maxLength: 12 }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([head, lines, eol, finalEol]) => [head, ...lines].join(eol) + (finalEol ? eol : ''));

describe('playlist rewriter, property-based', () => {
  it(`refuses only with PlaylistRewriteError and signs only own, normalised paths (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: playlist }, fc.string({ unit: 'binary', maxLength: 200 })),
        fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
        (text, foreignToken) => {
          const calls: [string, PlaylistUriInfo][] = [];
          const out = onlyTyped([PlaylistRewriteError], () =>
            rewritePlaylist(text, {
              playlistPath: PLAYLIST_PATH,
              ownOrigins: [OWN],
              sign: (path, info) => {
                calls.push([path, info]);
                return 'sig=1';
              },
              ...(foreignToken === undefined ? {} : { foreignKeyToken: { value: foreignToken } }),
            }),
          );
          if (out === undefined) return;
          const inputLines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
          if (inputLines.at(-1) === '') inputLines.pop();
          assert.ok(out.endsWith('\n'));
          assert.equal(
            out.slice(0, -1).split('\n').length,
            inputLines.length,
            'one output line per input line',
          );
          for (const [path] of calls) {
            assert.ok(path.startsWith('/'), `signed path ${path} is absolute`);
            assert.ok(!/(^|\/)\.\.?(\/|$)/.test(path), `signed path ${path} is normalised`);
          }
          // Every signed URI appears with the signer's query at its end (before any fragment).
          const signedCount = out.match(/[?&]sig=1(?=["#\n])/g)?.length ?? 0;
          assert.equal(signedCount, calls.length);
        },
      ),
      fuzzParameters(RUNS),
    );
  });

  it(`refuses a bad playlistPath or signer answer with PlaylistRewriteError (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 12 }), (path, answer) => {
        onlyTyped([PlaylistRewriteError], () =>
          rewritePlaylist('#EXTM3U\nseg.m4s\n', { playlistPath: path, sign: () => answer }),
        );
      }),
      fuzzParameters(RUNS),
    );
  });
});
