/** The SQLite insert thread's batch encoding (store/insert-batch-codec.ts) gives back what it took. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBatch, encodeBatch, type Cell } from '../../src/store/insert-batch-codec.js';

const cell = fc.oneof(
  fc.string(),
  fc.constantFrom('v', 'same', ''),
  fc.double(),
  fc.integer(),
  fc.constant(null),
);

test('rows of strings, numbers and nulls survive encoding, repeated strings stored once', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 12 })
        .chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }))),
      (rows: Cell[][]) => {
        const batch = encodeBatch(rows);
        assert.deepEqual(decodeBatch(batch), rows);
        assert.deepEqual(
          decodeBatch(encodeBatch(rows, [0])),
          rows,
          'the first column stored without lookups',
        );
        assert.equal(new Set(batch.strings).size, batch.strings.length);
      },
    ),
  );
});

test('rows of different widths and other types are refused', () => {
  assert.throws(() => encodeBatch([['a', 1], ['b']]), /every row needs 2 values; one has 1/);
  assert.throws(() => encodeBatch([[{} as unknown as Cell]]), /string, a number or null, not object/);
});
