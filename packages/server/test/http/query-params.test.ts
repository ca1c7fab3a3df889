/** Query and form parsing that remembers repeated names (http/query-params.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { duplicateParams, parseParams } from '../../src/http/query-params.js';

describe('parseParams', () => {
  test('keeps the first value of a repeated name and remembers the name once', () => {
    const params = parseParams('token=a&x=1&token=b&token=c&y=%20');
    assert.deepEqual({ ...params }, { token: 'a', x: '1', y: ' ' });
    assert.deepEqual(duplicateParams(params), ['token']);
    assert.deepEqual(duplicateParams(parseParams('a=1&b=2')), []);
    assert.deepEqual(duplicateParams(undefined), []);
  });

  test('a parameter named __proto__ is data, not the prototype', () => {
    const params = parseParams('__proto__=x&a=1');
    assert.equal(Object.getPrototypeOf(params), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(params, '__proto__')?.value, 'x');
  });
});
