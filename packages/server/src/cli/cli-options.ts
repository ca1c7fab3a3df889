/** Commander option parsers the client commands share; a refusal is a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';

/** A value that is not blank. */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

/** A value that is not blank, without its surrounding spaces. */
export function trimmedNonEmpty(value: string): string {
  return nonEmpty(value).trim();
}
