/** Shapes shared by the RAM, STS and app actions: time format and parameter checks. */
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from '../rpc/rpc-params.js';

/** `2026-11-22T17:46:27Z`: the API's UTC times carry no milliseconds. */
export function wireTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

/** An optional text parameter of at most `max` characters. */
export function optionalText(params: RpcParams, name: string, max: number): string | undefined {
  const value = params.optional(name);
  if (value !== undefined && [...value].length > max) {
    throw apiErrors.invalidParameter(name, `It must be at most ${max} characters.`);
  }
  return value;
}

export function requiredText(params: RpcParams, name: string, max: number): string {
  const value = optionalText(params, name, max);
  if (value === undefined) throw apiErrors.missingParameter(name);
  return value;
}

/** Characters in a custom policy document (ram-sts.md §1.5). */
export const MAX_POLICY_DOCUMENT = 6144;
