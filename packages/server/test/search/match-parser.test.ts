/**
 * The Match language (reference-more §5.1) as pure logic: tokens → AST, and the checks against
 * the video field table that turn it into a predicate. Every malformed input must fail with a
 * MatchSyntaxError naming the character where it went wrong; nothing reaches SQL here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMatch, likePattern } from '../../src/search/match-compiler.js';
import { MatchSyntaxError, parseMatch } from '../../src/search/match-parser.js';
import { VIDEO_FIELDS } from '../../src/search/video-search.js';

const compile = (text: string) => {
  const ast = parseMatch(text);
  return ast && checkMatch(VIDEO_FIELDS, ast);
};

function failsAt(text: string, position: number, message?: RegExp) {
  assert.throws(
    () => compile(text),
    (error: unknown) => {
      assert.ok(error instanceof MatchSyntaxError, `${text}: ${String(error)}`);
      assert.equal(error.position, position, `${text}: ${error.message}`);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

describe('Match parser', () => {
  it('parses the reference examples', () => {
    assert.deepEqual(parseMatch("VideoId='28ba2b26d540446c94cdd2c4c48090e5'"), {
      kind: 'equals',
      field: 'VideoId',
      position: 1,
      value: { text: '28ba2b26d540446c94cdd2c4c48090e5', quoted: true, position: 9 },
    });
    const inList = parseMatch("Status in ('Normal','Checking')");
    assert.equal(inList?.kind, 'in');
    assert.deepEqual(inList?.kind === 'in' && inList.values.map((v) => v.text), ['Normal', 'Checking']);
    const range = parseMatch("CreationTime=('2018-01-01T00:00:00Z',)");
    assert.equal(range?.kind, 'range');
    assert.ok(range?.kind === 'range' && range.upper === undefined && !range.lowerInclusive);
    const mixed = parseMatch("CreationTime = ['2018-01-01T00:00:00Z','2018-02-01T00:00:00Z')");
    assert.ok(mixed?.kind === 'range' && mixed.lowerInclusive && !mixed.upperInclusive);
    const both = parseMatch("Title='Music' and (Title='a' or Tags='b')");
    assert.equal(both?.kind, 'and');
    assert.equal(both?.kind === 'and' && both.items[1]!.kind, 'or');
    assert.equal(parseMatch('   '), undefined, 'blank: no filter');
  });

  it('takes keywords in any case, double quotes, escapes and bare numbers', () => {
    assert.equal(parseMatch("Title='VOD' AND Status='Normal'")?.kind, 'and');
    const escaped = parseMatch("Title = 'it\\'s \"here\"'");
    assert.ok(escaped?.kind === 'equals' && escaped.value.text === 'it\'s "here"');
    const dq = parseMatch('Title = "a \'b\'"');
    assert.ok(dq?.kind === 'equals' && dq.value.text === "a 'b'");
    const bare = parseMatch('CateId = 1000000001');
    assert.ok(bare?.kind === 'equals' && !bare.value.quoted && bare.value.text === '1000000001');
    assert.equal(parseMatch("Title match 'lesson'")?.kind, 'match');
  });

  it('names the position of every syntax error', () => {
    failsAt("Title = 'open", 9, /never closed/);
    failsAt("Title = 'a' or Status = 'Normal'", 13, /inside parentheses/);
    failsAt("Title = 'a' Status = 'Normal'", 13, /expected "and"/);
    failsAt("(Title = 'a'", 13, /"\)" to close/);
    failsAt("Title ~ 'a'", 7, /unexpected character/);
    failsAt('Title = ', 9, /expected a value/);
    failsAt("Title in 'a'", 10, /"\(" after "in"/);
    failsAt("Status in ('Normal' 'Checking')", 21, /"," or "\)"/);
    failsAt('CreationTime = (,)', 16, /at least one bound/);
    failsAt("= 'a'", 1, /field name/);
    failsAt("Title = 'a' and", 16, /field name/);
  });

  it('refuses SQL smuggled in as field names, operators or values', () => {
    failsAt("Title = 'a'; DROP TABLE videos", 12, /unexpected character ";"/);
    failsAt("Title = 'a' -- comment", 13, /expected "and"/);
    failsAt("1=1 or Title='a'", 1, /"1" is not a field name/);
    failsAt("Title = 'a' UNION SELECT video_id FROM videos", 13, /expected "and"/);
    failsAt('video_id = 1', 1, /"video_id" is not a field name/);
    failsAt("Title = 'x' or '1'='1'", 13, /inside parentheses/);
    failsAt("Title = 'x'' OR ''1''=''1'", 12, /expected "and"/);
    // Inside quotes it is just text: it compiles to a contains-pattern, as data.
    assert.deepEqual(compile("Title = 'x\\' OR \\'1\\'=\\'1'"), {
      kind: 'contains',
      column: 'videos.title',
      values: ["x' OR '1'='1"],
    });
  });

  it('holds conditions against the video fields', () => {
    failsAt("Name = 'a'", 1, /unknown field "Name"/);
    failsAt("title = 'a'", 1, /did you mean Title/);
    failsAt("CoverURL = 'x'", 1, /returned .* but not searched/);
    failsAt('CateId in (1,2)', 1, /does not support "in"/);
    failsAt("Status match 'Nor'", 1, /does not support fuzzy/);
    failsAt("Status = 'Playing'", 10, /one of Uploading/);
    failsAt("CreationTime = 'yesterday'", 1, /takes only a range/);
    failsAt("CreationTime = ('2018-13-45',)", 17, /UTC time/);
    failsAt('Size = 12', 1, /takes only a range/);
    failsAt("Size = ('big',)", 9, /whole number/);
    failsAt("Title = ('a','b')", 1, /does not support ranges/);
    const many = `VideoId in (${Array.from({ length: 101 }, (_, i) => `'${i}'`).join(',')})`;
    failsAt(many, many.indexOf("'100'") + 1, /at most 100/);
  });

  it('compiles to predicates over our own columns only', () => {
    assert.deepEqual(compile("Title = 'Music'"), {
      kind: 'contains',
      column: 'videos.title',
      values: ['Music'],
    });
    assert.deepEqual(compile("Status = 'Normal'"), {
      kind: 'compare',
      column: 'videos.status',
      op: '=',
      value: 'Normal',
    });
    assert.deepEqual(compile('CateId = 1000000001'), {
      kind: 'compare',
      column: 'videos.cate_id',
      op: '=',
      value: 1000000001,
    });
    // Whole-second bounds cover their whole second, as the wire shows whole seconds.
    assert.deepEqual(compile("CreationTime = ('2026-01-01T00:00:05Z','2026-01-01T00:00:09Z']"), {
      kind: 'and',
      items: [
        { kind: 'compare', column: 'videos.creation_time', op: '>', value: '2026-01-01T00:00:05.999Z' },
        { kind: 'compare', column: 'videos.creation_time', op: '<=', value: '2026-01-01T00:00:09.999Z' },
      ],
    });
    assert.equal(likePattern('50%_off!'), '%50!%!_off!!%');
  });
});
