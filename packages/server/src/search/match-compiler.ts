/**
 * Match AST → Kysely expression, for one media type's field table. Two steps:
 *
 * 1. `checkMatch` holds each condition against the field's capabilities (reference-more §5.1:
 *    exact, fuzzy, multi-value, range) and converts its values to the field's type, giving a
 *    `Predicate` tree that names only columns from the field table.
 * 2. `predicateToSql` turns that tree into a Kysely expression. Column names come from our field
 *    table (`sql.ref`), never from the request; every value is a bound parameter. No SQL text is
 *    ever built from input.
 *
 * A media type is added by writing its field table (`SearchField`s); nothing here changes.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import {
  MatchSyntaxError,
  type MatchCondition,
  type MatchExpression,
  type MatchValue,
} from './match-parser.js';

export type FieldType = 'string' | 'integer' | 'number' | 'time';

/** One field of a media type (reference-more §5.1 capability letters in brackets). */
export interface SearchField<Row> {
  readonly type: FieldType;
  /** Qualified column (`videos.title`) for filters and sorting; absent: returnable only. */
  readonly column?: string;
  /** `field = value` is equality [E]. */
  readonly exact?: boolean;
  /** `field = 'v'` and `field match 'v'` test "contains" [F]; `in` is any-of contains. */
  readonly fuzzy?: boolean;
  /** `field in (…)` [M]; a multi-value field also takes `field = value` (a one-value list). */
  readonly multi?: boolean;
  /** `field = (a,b]` and the other bracket forms [G]. */
  readonly range?: boolean;
  /** Allowed in SortBy [S]. */
  readonly sortable?: boolean;
  /** Values must be one of these (enumerations such as Status). */
  readonly allowed?: readonly string[];
  /** Most values in one `in` list (default 100). */
  readonly maxValues?: number;
  /** The field's value in a result [R]. */
  readonly wire: (row: Row) => unknown;
}

export type FieldTable<Row> = Readonly<Record<string, SearchField<Row>>>;

type Scalar = string | number;

export type Predicate =
  | { readonly kind: 'and' | 'or'; readonly items: readonly Predicate[] }
  | {
      readonly kind: 'compare';
      readonly column: string;
      readonly op: '=' | '>' | '>=' | '<' | '<=';
      readonly value: Scalar;
    }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly Scalar[] }
  | { readonly kind: 'contains'; readonly column: string; readonly values: readonly string[] };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Looks a field name up case-sensitively, as the protocol spells them; suggests on a case slip. */
export function findField<Row>(fields: FieldTable<Row>, name: string, position: number): SearchField<Row> {
  const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (field) return field;
  const near = Object.keys(fields).find((known) => known.toLowerCase() === name.toLowerCase());
  throw new MatchSyntaxError(
    position,
    near ? `unknown field "${name}" (did you mean ${near}?)` : `unknown field "${name}"`,
  );
}

function typed(field: SearchField<unknown>, name: string, value: MatchValue): Scalar {
  const fail = (what: string) =>
    new MatchSyntaxError(value.position, `${name} needs ${what}; got "${value.text}"`);
  switch (field.type) {
    case 'integer':
      if (!/^-?\d{1,15}$/.test(value.text)) throw fail('a whole number');
      return Number(value.text);
    case 'number':
      if (!/^-?\d{1,15}(\.\d+)?$/.test(value.text)) throw fail('a number');
      return Number(value.text);
    case 'time':
      if (!ISO_TIME.test(value.text) || Number.isNaN(Date.parse(value.text)))
        throw fail('a UTC time such as 2026-01-31T08:00:00Z');
      return value.text;
    case 'string':
      if (field.allowed && !field.allowed.includes(value.text))
        throw fail(`one of ${field.allowed.join(', ')}`);
      return value.text;
  }
}

/**
 * Times are stored with milliseconds but shown with whole seconds; a whole-second bound covers
 * its whole second (a video shown as 10:00:05Z is "at" 10:00:05, whatever its milliseconds).
 */
function timeBound(
  text: string,
  side: 'lower' | 'upper',
  inclusive: boolean,
): { op: '>' | '>=' | '<' | '<='; value: string } {
  const ms = Date.parse(text);
  const whole = !/\.\d+Z$/.test(text);
  const iso = (t: number) => new Date(t).toISOString();
  if (!whole)
    return { op: side === 'lower' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<', value: iso(ms) };
  if (side === 'lower') return inclusive ? { op: '>=', value: iso(ms) } : { op: '>', value: iso(ms + 999) };
  return inclusive ? { op: '<=', value: iso(ms + 999) } : { op: '<', value: iso(ms) };
}

function checkCondition<Row>(fields: FieldTable<Row>, c: MatchCondition): Predicate {
  const field = findField(fields, c.field, c.position) as SearchField<unknown>;
  const column = field.column;
  const refuse = (what: string) => new MatchSyntaxError(c.position, `${c.field} ${what}`);
  if (column === undefined) throw refuse('can be returned (Fields) but not searched');
  switch (c.kind) {
    case 'equals':
      if (field.fuzzy) return { kind: 'contains', column, values: [c.value.text] };
      if (field.exact || field.multi)
        return { kind: 'compare', column, op: '=', value: typed(field, c.field, c.value) };
      throw refuse('takes only a range, e.g. ' + `${c.field} = ('a','b')`);
    case 'match':
      if (!field.fuzzy) throw refuse('does not support fuzzy "match"; use "="');
      return { kind: 'contains', column, values: [c.value.text] };
    case 'in': {
      if (!field.multi) throw refuse('does not support "in"; use "="');
      const max = field.maxValues ?? 100;
      if (c.values.length > max)
        throw new MatchSyntaxError(c.values[max]!.position, `at most ${max} values in one "in" list`);
      if (field.fuzzy) return { kind: 'contains', column, values: c.values.map((v) => v.text) };
      return { kind: 'in', column, values: c.values.map((v) => typed(field, c.field, v)) };
    }
    case 'range': {
      if (!field.range) throw refuse('does not support ranges');
      const items: Predicate[] = [];
      for (const [side, bound, inclusive] of [
        ['lower', c.lower, c.lowerInclusive],
        ['upper', c.upper, c.upperInclusive],
      ] as const) {
        if (bound === undefined) continue;
        const value = typed(field, c.field, bound);
        if (field.type === 'time') {
          const t = timeBound(String(value), side, inclusive);
          items.push({ kind: 'compare', column, op: t.op, value: t.value });
        } else {
          const op = side === 'lower' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
          items.push({ kind: 'compare', column, op, value });
        }
      }
      return items.length === 1 ? items[0]! : { kind: 'and', items };
    }
  }
}

/** Holds the AST against the field table; throws `MatchSyntaxError` naming the position. */
export function checkMatch<Row>(fields: FieldTable<Row>, expression: MatchExpression): Predicate {
  if (expression.kind === 'and' || expression.kind === 'or') {
    return { kind: expression.kind, items: expression.items.map((item) => checkMatch(fields, item)) };
  }
  return checkCondition(fields, expression);
}

/** `%`, `_` and the escape character itself are literal in a contains-pattern. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** The predicate as a Kysely expression for a query over the tables the columns name. */
export function predicateToSql<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  predicate: Predicate,
): Expression<SqlBool> {
  switch (predicate.kind) {
    case 'and':
      return eb.and(predicate.items.map((item) => predicateToSql(eb, item)));
    case 'or':
      return eb.or(predicate.items.map((item) => predicateToSql(eb, item)));
    case 'compare':
      return eb(sql.ref<Scalar>(predicate.column), predicate.op, predicate.value);
    case 'in':
      return eb(sql.ref<Scalar>(predicate.column), 'in', predicate.values);
    case 'contains':
      return eb.or(
        predicate.values.map(
          (value) => sql<SqlBool>`lower(${sql.ref(predicate.column)}) like ${likePattern(value)} escape '!'`,
        ),
      );
  }
}
