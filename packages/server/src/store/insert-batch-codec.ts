/**
 * How a batch of INSERT parameter rows travels to the SQLite insert thread
 * (sqlite-insert-thread.ts → sqlite-insert-worker.ts): two typed arrays, transferred rather than
 * copied, and the batch's distinct strings. Audit rows repeat the same video, stream, address and
 * user agent, so encoding is a map lookup per cell; JSON or a structured clone of every row cost
 * the event loop about as much as the insert it moved off it (issue 12 profile).
 */

/** What a parameter can be. */
export type Cell = string | number | null;

/**
 * A batch as sqlite-insert-worker.ts receives it: cell `i` of row `r` is at `r * width + i`;
 * `kinds` says what `values` holds there — the number itself, an index into `strings`, or null.
 */
export interface EncodedBatch {
  width: number;
  kinds: Uint8Array;
  values: Float64Array;
  strings: string[];
}

export const CELL_NUMBER = 0;
export const CELL_STRING = 1;
export const CELL_NULL = 2;

/**
 * `uniqueColumns`: columns whose strings are all distinct (ids), stored without a lookup — hashing
 * a fresh string that is never seen again only costs.
 */
export function encodeBatch(
  rows: readonly (readonly Cell[])[],
  uniqueColumns: readonly number[] = [],
): EncodedBatch {
  const width = rows[0]?.length ?? 0;
  const unique = new Uint8Array(width);
  for (const column of uniqueColumns) unique[column] = 1;
  const kinds = new Uint8Array(rows.length * width);
  const values = new Float64Array(rows.length * width);
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  let at = 0;
  for (const row of rows) {
    if (row.length !== width) throw new RangeError(`every row needs ${width} values; one has ${row.length}`);
    for (let i = 0; i < width; i++, at++) {
      const value = row[i];
      if (typeof value === 'number') {
        values[at] = value;
      } else if (typeof value === 'string') {
        let index = unique[i] === 1 ? strings.push(value) - 1 : indexOf.get(value);
        if (index === undefined) {
          index = strings.push(value) - 1;
          indexOf.set(value, index);
        }
        kinds[at] = CELL_STRING;
        values[at] = index;
      } else if (value === null) {
        kinds[at] = CELL_NULL;
      } else {
        throw new TypeError(`a parameter must be a string, a number or null, not ${typeof value}`);
      }
    }
  }
  return { width, kinds, values, strings };
}

/** The rows again (sqlite-insert-worker.ts). */
export function decodeBatch(batch: EncodedBatch): Cell[][] {
  const { width, kinds, values, strings } = batch;
  const rows: Cell[][] = [];
  for (let at = 0; at < kinds.length; at += width) {
    const row: Cell[] = new Array(width);
    for (let i = 0; i < width; i++) {
      const kind = kinds[at + i];
      row[i] = kind === CELL_STRING ? strings[values[at + i]!]! : kind === CELL_NULL ? null : values[at + i]!;
    }
    rows.push(row);
  }
  return rows;
}
