/**
 * Typed access to an RPC request's parameters (query and form body merged). Every accessor
 * fails with the API's own error (MissingParameter / InvalidParameter) naming the field.
 */
import { apiErrors } from '../errors/api-error.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export class RpcParams {
  constructor(private readonly values: Readonly<Record<string, string>>) {}

  get all(): Readonly<Record<string, string>> {
    return this.values;
  }

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== '';
  }

  optional(name: string): string | undefined {
    const value = this.values[name];
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw apiErrors.missingParameter(name);
    return value;
  }

  /** An integer within [min, max]; `fallback` when absent. */
  integer(name: string, range: { min: number; max: number; fallback?: number }): number | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return range.fallback;
    if (!/^-?\d+$/.test(raw)) throw apiErrors.invalidParameter(name, 'It must be an integer.');
    const value = Number(raw);
    if (value < range.min || value > range.max) {
      throw apiErrors.invalidParameter(name, `It must be between ${range.min} and ${range.max}; got ${raw}.`);
    }
    return value;
  }

  /** One of a fixed set of values (compared exactly). */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw apiErrors.invalidParameter(name, `It must be one of ${allowed.join(', ')}.`);
    }
    return raw as T;
  }

  /** A UTC time (`2026-01-01T00:00:00Z`) as epoch milliseconds. */
  time(name: string): number | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    // ISO 8601 with a four-digit year only: Date.parse also takes `+275760-09-13T00:00:00Z`, the
    // last representable instant, with which any arithmetic leaves the range of Date.
    const ms = ISO_TIME.test(raw) ? Date.parse(raw) : Number.NaN;
    if (Number.isNaN(ms))
      throw apiErrors.invalidParameter(name, 'It must be a UTC time like 2026-01-01T00:00:00Z.');
    return ms;
  }

  /** A JSON-typed parameter (PlayConfig, UserData, …): pop-core callers JSON.stringify them. */
  json<T = unknown>(name: string): T | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      throw apiErrors.invalidParameter(name, 'It must be a JSON string.');
    }
  }
}
