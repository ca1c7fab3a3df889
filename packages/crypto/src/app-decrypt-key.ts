/**
 * AppDecryptKey: the password an app developer chooses in `GenerateDownloadSecretKey` and ships
 * in the app alongside the key file. The API uses `checkAppDecryptKey` for its InvalidParameter
 * message; a console can check the same rules live from `APP_DECRYPT_KEY_RULES`.
 *
 * Rules (reference: "16–32 chars; must contain upper-case, lower-case and digits"): 16 to 32
 * characters, only ASCII letters and digits, at least one uppercase letter, one lowercase letter
 * and one digit.
 *
 * The key is a secret: no message here ever contains the key or any of its characters, only
 * lengths and positions.
 */

export interface AppDecryptKeyRules {
  readonly minLength: number;
  readonly maxLength: number;
  /** Regular-expression source (no flags) every character must match. */
  readonly allowedCharacter: string;
  /** Each must match at least one character; `message` is the reason given when none does. */
  readonly requires: readonly { readonly id: string; readonly pattern: string; readonly message: string }[];
}

export const APP_DECRYPT_KEY_RULES: AppDecryptKeyRules = Object.freeze({
  minLength: 16,
  maxLength: 32,
  allowedCharacter: '[A-Za-z0-9]',
  requires: Object.freeze([
    Object.freeze({
      id: 'uppercase',
      pattern: '[A-Z]',
      message: 'It must contain at least one uppercase letter (A-Z).',
    }),
    Object.freeze({
      id: 'lowercase',
      pattern: '[a-z]',
      message: 'It must contain at least one lowercase letter (a-z).',
    }),
    Object.freeze({ id: 'digit', pattern: '[0-9]', message: 'It must contain at least one digit.' }),
  ]),
});

/** Thrown by `createKeyFile` for a key that breaks the rules; `reason` is as from `checkAppDecryptKey`. */
export class AppDecryptKeyError extends Error {
  override readonly name = 'AppDecryptKeyError';
  readonly code = 'InvalidAppDecryptKey';
  constructor(readonly reason: string) {
    super(`The AppDecryptKey is not valid. ${reason}`);
  }
}

/** Every rule the key breaks, in rule order; empty when valid. For a console showing all at once. */
export function listAppDecryptKeyProblems(key: string): string[] {
  if (typeof key !== 'string') return ['It must be a string.'];
  const rules = APP_DECRYPT_KEY_RULES;
  const problems: string[] = [];
  // Count code points, not UTF-16 units, so a position names what a person sees as one character.
  const chars = Array.from(key);
  if (chars.length < rules.minLength || chars.length > rules.maxLength) {
    problems.push(
      `It must be ${rules.minLength} to ${rules.maxLength} characters long; it has ${chars.length}.`,
    );
  }
  const allowed = new RegExp(`^${rules.allowedCharacter}$`);
  const bad = chars.findIndex((c) => !allowed.test(c));
  if (bad >= 0) {
    problems.push(
      `It may contain only ASCII letters and digits (found another character at position ${bad + 1}).`,
    );
  }
  for (const rule of rules.requires) {
    if (!new RegExp(rule.pattern).test(key)) problems.push(rule.message);
  }
  return problems;
}

/** Null when the key is valid, otherwise one sentence naming the first broken rule. */
export function checkAppDecryptKey(key: string): string | null {
  return listAppDecryptKeyProblems(key)[0] ?? null;
}
