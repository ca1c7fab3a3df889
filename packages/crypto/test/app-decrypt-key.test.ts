import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_DECRYPT_KEY_RULES, checkAppDecryptKey, listAppDecryptKeyProblems } from '@securevod/crypto';

void describe('checkAppDecryptKey', () => {
  const cases: { name: string; key: string; reason: string | null; secretChar?: string }[] = [
    { name: 'reference example', key: 'AppDecryptKeyAndroid20230101', reason: null },
    { name: 'valid, 16 characters', key: 'Abcdefghijklmno1', reason: null },
    { name: 'valid, 32 characters', key: 'A1' + 'b'.repeat(30), reason: null },
    {
      name: '15 characters',
      key: 'Abcdefghijklmn1',
      reason: 'It must be 16 to 32 characters long; it has 15.',
    },
    {
      name: '33 characters',
      key: 'A1' + 'b'.repeat(31),
      reason: 'It must be 16 to 32 characters long; it has 33.',
    },
    { name: 'empty', key: '', reason: 'It must be 16 to 32 characters long; it has 0.' },
    { name: 'no digit', key: 'AbcdefghijklmnopQ', reason: 'It must contain at least one digit.' },
    {
      name: 'no uppercase',
      key: 'abcdefghijklmnop1',
      reason: 'It must contain at least one uppercase letter (A-Z).',
    },
    {
      name: 'no lowercase',
      key: 'ABCDEFGHIJKLMNOP1',
      reason: 'It must contain at least one lowercase letter (a-z).',
    },
    {
      name: 'a symbol',
      key: 'Abcde!ghijklmno1',
      reason: 'It may contain only ASCII letters and digits (found another character at position 6).',
      secretChar: '!',
    },
    {
      name: 'a non-ASCII letter',
      key: 'Abcdefghijklmnoé1',
      reason: 'It may contain only ASCII letters and digits (found another character at position 16).',
      secretChar: 'é',
    },
    {
      name: 'an astral character counts as one character',
      key: 'Abc😀efghijklmno1',
      reason: 'It may contain only ASCII letters and digits (found another character at position 4).',
      secretChar: '😀',
    },
    {
      name: 'a space',
      key: 'Abcdefgh ijklmno1',
      reason: 'It may contain only ASCII letters and digits (found another character at position 9).',
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const reason = checkAppDecryptKey(c.key);
      assert.equal(reason, c.reason);
      if (reason !== null && c.key !== '') {
        assert.ok(!reason.includes(c.key), 'the reason must not contain the key');
        if (c.secretChar)
          assert.ok(!reason.includes(c.secretChar), 'the reason must not contain the bad character');
      }
    });
  }

  void it('reports the first broken rule; listAppDecryptKeyProblems reports all of them', () => {
    const key = 'abc!';
    assert.equal(checkAppDecryptKey(key), 'It must be 16 to 32 characters long; it has 4.');
    assert.deepEqual(listAppDecryptKeyProblems(key), [
      'It must be 16 to 32 characters long; it has 4.',
      'It may contain only ASCII letters and digits (found another character at position 4).',
      'It must contain at least one uppercase letter (A-Z).',
      'It must contain at least one digit.',
    ]);
    assert.deepEqual(listAppDecryptKeyProblems('AppDecryptKeyAndroid20230101'), []);
  });
});

void describe('APP_DECRYPT_KEY_RULES', () => {
  void it('is plain frozen data a console can evaluate itself, agreeing with checkAppDecryptKey', () => {
    const rules = JSON.parse(JSON.stringify(APP_DECRYPT_KEY_RULES)) as typeof APP_DECRYPT_KEY_RULES;
    assert.deepEqual(rules, APP_DECRYPT_KEY_RULES);
    assert.ok(Object.isFrozen(APP_DECRYPT_KEY_RULES) && Object.isFrozen(APP_DECRYPT_KEY_RULES.requires));
    const consoleCheck = (key: string): boolean =>
      key.length >= rules.minLength &&
      key.length <= rules.maxLength &&
      [...key].every((ch) => new RegExp(`^${rules.allowedCharacter}$`).test(ch)) &&
      rules.requires.every((r) => new RegExp(r.pattern).test(key));
    for (const key of [
      'AppDecryptKeyAndroid20230101',
      'abcdefghijklmnop1',
      'Abcde!ghijklmno1',
      'Ab1',
      'A1' + 'b'.repeat(31),
    ]) {
      assert.equal(consoleCheck(key), checkAppDecryptKey(key) === null, key);
    }
  });
});
