/**
 * The `Match` language of SearchMedia (reference-more §5.1, the cloud's "protocol for media
 * asset search"): tokens → AST. This file knows syntax only; which fields exist and what each
 * allows is `search-fields.ts`, and turning the AST into SQL is `match-compiler.ts`.
 *
 *   match     := [ and ] EOF
 *   and       := primary { AND primary }
 *   primary   := '(' or ')' | condition
 *   or        := and { OR and }            -- `or` only inside parentheses, as the protocol says
 *   condition := FIELD '=' value
 *              | FIELD '=' range             -- ('a','b')  ['a','b']  ('a',)  (,'b']
 *              | FIELD IN '(' value { ',' value } ')'
 *              | FIELD MATCH value           -- explicit fuzzy (contains) match
 *   value     := 'text' | "text" | bare     -- bare: letters, digits and _ . : + -
 *
 * Keywords are case-insensitive (`and`, `AND`). Inside quotes, `\'`, `\"` and `\\` escape.
 * Every error is a `MatchSyntaxError` with the 1-based character position it refers to.
 */

export class MatchSyntaxError extends Error {
  override readonly name = 'MatchSyntaxError';
  constructor(
    /** 1-based character position in the Match text (its length + 1 means "at the end"). */
    readonly position: number,
    message: string,
  ) {
    super(`at character ${position}: ${message}`);
  }
}

type TokenKind = 'word' | 'string' | '(' | ')' | '[' | ']' | ',' | '=' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 1-based. */
  readonly position: number;
}

export interface MatchValue {
  readonly text: string;
  readonly quoted: boolean;
  readonly position: number;
}

export type MatchCondition =
  | { readonly kind: 'equals'; readonly field: string; readonly position: number; readonly value: MatchValue }
  | { readonly kind: 'match'; readonly field: string; readonly position: number; readonly value: MatchValue }
  | {
      readonly kind: 'in';
      readonly field: string;
      readonly position: number;
      readonly values: readonly MatchValue[];
    }
  | {
      readonly kind: 'range';
      readonly field: string;
      readonly position: number;
      readonly lower?: MatchValue;
      readonly upper?: MatchValue;
      readonly lowerInclusive: boolean;
      readonly upperInclusive: boolean;
    };

export type MatchExpression =
  | MatchCondition
  | { readonly kind: 'and'; readonly items: readonly MatchExpression[] }
  | { readonly kind: 'or'; readonly items: readonly MatchExpression[] };

/** Longest Match text accepted (the cloud does not document one; this bounds parsing work). */
export const MAX_MATCH_LENGTH = 4096;
const BARE = /[A-Za-z0-9_.:+-]/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const position = i + 1;
    if ('()[],='.includes(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, position });
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new MatchSyntaxError(position, `the quote ${ch} is never closed`);
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length && (text[i + 1] === ch || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (c === ch) {
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'string', text: value, position });
      continue;
    }
    if (BARE.test(ch)) {
      let j = i;
      while (j < text.length && BARE.test(text[j]!)) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j), position });
      i = j;
      continue;
    }
    throw new MatchSyntaxError(position, `unexpected character ${JSON.stringify(ch)}`);
  }
  tokens.push({ kind: 'end', text: '', position: text.length + 1 });
  return tokens;
}

const isKeyword = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word;

function describeToken(token: Token): string {
  if (token.kind === 'end') return 'the end of the expression';
  if (token.kind === 'string') return `'${token.text}'`;
  return `"${token.text}"`;
}

/** Parses a Match text; an empty (or blank) text is `undefined`: no filter. */
export function parseMatch(text: string): MatchExpression | undefined {
  if (text.length > MAX_MATCH_LENGTH) {
    throw new MatchSyntaxError(
      MAX_MATCH_LENGTH + 1,
      `the expression is longer than ${MAX_MATCH_LENGTH} characters`,
    );
  }
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]!;
  const next = () => tokens[at++]!;
  const expect = (kind: TokenKind, what: string): Token => {
    const token = next();
    if (token.kind !== kind)
      throw new MatchSyntaxError(token.position, `expected ${what}, found ${describeToken(token)}`);
    return token;
  };

  const value = (what: string): MatchValue => {
    const token = next();
    if (token.kind === 'string') return { text: token.text, quoted: true, position: token.position };
    if (token.kind === 'word' && !['and', 'or', 'in', 'match'].includes(token.text.toLowerCase())) {
      return { text: token.text, quoted: false, position: token.position };
    }
    throw new MatchSyntaxError(token.position, `expected ${what}, found ${describeToken(token)}`);
  };

  const range = (open: Token, field: Token): MatchCondition => {
    const lower = peek().kind === ',' ? undefined : value('a lower bound or ","');
    expect(',', '"," between the bounds of a range');
    const upper =
      peek().kind === ')' || peek().kind === ']'
        ? undefined
        : value('an upper bound or the end of the range');
    const close = next();
    if (close.kind !== ')' && close.kind !== ']') {
      throw new MatchSyntaxError(
        close.position,
        `expected ")" or "]" to end the range, found ${describeToken(close)}`,
      );
    }
    if (lower === undefined && upper === undefined) {
      throw new MatchSyntaxError(open.position, 'a range needs at least one bound');
    }
    return {
      kind: 'range',
      field: field.text,
      position: field.position,
      lower,
      upper,
      lowerInclusive: open.kind === '[',
      upperInclusive: close.kind === ']',
    };
  };

  const condition = (): MatchCondition => {
    const field = next();
    if (field.kind !== 'word' || ['and', 'or', 'in', 'match'].includes(field.text.toLowerCase())) {
      throw new MatchSyntaxError(field.position, `expected a field name, found ${describeToken(field)}`);
    }
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field.text)) {
      throw new MatchSyntaxError(field.position, `"${field.text}" is not a field name`);
    }
    const op = next();
    if (op.kind === '=') {
      const open = peek();
      if (open.kind === '(' || open.kind === '[') {
        next();
        return range(open, field);
      }
      return {
        kind: 'equals',
        field: field.text,
        position: field.position,
        value: value('a value after "="'),
      };
    }
    if (isKeyword(op, 'match')) {
      return {
        kind: 'match',
        field: field.text,
        position: field.position,
        value: value('a value after "match"'),
      };
    }
    if (isKeyword(op, 'in')) {
      expect('(', '"(" after "in"');
      const values = [value('a value')];
      while (peek().kind === ',') {
        next();
        values.push(value('a value after ","'));
      }
      expect(')', '"," or ")" in the value list');
      return { kind: 'in', field: field.text, position: field.position, values };
    }
    throw new MatchSyntaxError(
      op.position,
      `expected "=", "in" or "match" after ${field.text}, found ${describeToken(op)}`,
    );
  };

  const primary = (depth: number): MatchExpression => {
    if (peek().kind === '(') {
      const open = next();
      if (depth >= 16) throw new MatchSyntaxError(open.position, 'parentheses are nested too deeply');
      const inner = or(depth + 1);
      expect(')', '")" to close the "(" at character ' + open.position);
      return inner;
    }
    return condition();
  };

  const and = (depth: number): MatchExpression => {
    const items = [primary(depth)];
    while (isKeyword(peek(), 'and')) {
      next();
      items.push(primary(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };

  const or = (depth: number): MatchExpression => {
    const items = [and(depth)];
    while (isKeyword(peek(), 'or')) {
      next();
      items.push(and(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };

  if (peek().kind === 'end') return undefined;
  const expression = and(0);
  const rest = peek();
  if (isKeyword(rest, 'or')) {
    throw new MatchSyntaxError(rest.position, '"or" must be inside parentheses: write (a = 1 or b = 2)');
  }
  if (rest.kind !== 'end') {
    throw new MatchSyntaxError(
      rest.position,
      `expected "and" or the end of the expression, found ${describeToken(rest)}`,
    );
  }
  return expression;
}
