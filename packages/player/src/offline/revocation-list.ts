/**
 * The revoked download-secret versions of this app, as the SDK keeps them for offline checks
 * (DESIGN §6; server: `GET /download/revocations?AppIdentification=…` →
 * `{ AppIdentification, RevokedVersions, ActiveVersions }`). Pure; unit-tested in
 * test/offline-revocations.test.ts.
 *
 * Revocation is permanent on the server (a revoked version never becomes active again), so the
 * stored list only grows: a fresh answer is merged with what was stored, and an older or partial
 * answer (a stale cache, a replayed response) cannot un-revoke a version.
 */

export interface RevocationRecord {
  /** Canonical identification (`web:https://…`) the list is for. */
  readonly appIdentification: string;
  /** Ascending, without duplicates. */
  readonly revokedVersions: readonly number[];
  /** The versions the server last called active (minus any known revoked). */
  readonly activeVersions: readonly number[];
  /** ISO time of the last successful refresh. */
  readonly fetchedAt: string;
}

export class RevocationListError extends Error {
  override readonly name = 'RevocationListError';
  readonly code = 'InvalidResponse';
}

/** The server's answer, checked: the right app and lists of secret versions (positive integers). */
export function parseRevocationResponse(
  body: unknown,
  expectedApp: string,
): { revokedVersions: number[]; activeVersions: number[] } {
  const wire = body as { AppIdentification?: unknown; RevokedVersions?: unknown; ActiveVersions?: unknown };
  if (typeof wire !== 'object' || wire === null) {
    throw new RevocationListError('The revocation list is not a JSON object.');
  }
  if (wire.AppIdentification !== expectedApp) {
    throw new RevocationListError(
      `The revocation list is for ${String(wire.AppIdentification)}, not for ${expectedApp}.`,
    );
  }
  return {
    revokedVersions: versions(wire.RevokedVersions, 'RevokedVersions'),
    activeVersions: versions(wire.ActiveVersions ?? [], 'ActiveVersions'),
  };
}

function versions(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v) && (v as number) > 0)) {
    throw new RevocationListError(`The revocation list's ${field} is not a list of secret versions.`);
  }
  return sortedUnique(value as number[]);
}

/** `previous` (may be absent or for another app) updated with a fresh server answer. */
export function mergeRevocations(
  previous: RevocationRecord | undefined,
  fresh: { appIdentification: string; revokedVersions: readonly number[]; activeVersions: readonly number[] },
  fetchedAt: Date,
): RevocationRecord {
  const kept = previous?.appIdentification === fresh.appIdentification ? previous.revokedVersions : [];
  const revokedVersions = sortedUnique([...kept, ...fresh.revokedVersions]);
  const revoked = new Set(revokedVersions);
  return {
    appIdentification: fresh.appIdentification,
    revokedVersions,
    activeVersions: sortedUnique(fresh.activeVersions.filter((v) => !revoked.has(v))),
    fetchedAt: fetchedAt.toISOString(),
  };
}

/** Whether `record` (for `appIdentification`) lists `secretVersion` as revoked. */
export function isRevoked(
  record: RevocationRecord | undefined,
  appIdentification: string,
  secretVersion: number,
): boolean {
  return record?.appIdentification === appIdentification && record.revokedVersions.includes(secretVersion);
}

/** A stored record read back, or undefined when it is not one (corrupt or foreign data). */
export function parseStoredRecord(value: unknown): RevocationRecord | undefined {
  const r = value as Partial<RevocationRecord> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.appIdentification !== 'string' ||
    typeof r.fetchedAt !== 'string' ||
    !Array.isArray(r.revokedVersions) ||
    !r.revokedVersions.every((v) => Number.isSafeInteger(v)) ||
    !Array.isArray(r.activeVersions)
  ) {
    return undefined;
  }
  return {
    appIdentification: r.appIdentification,
    revokedVersions: sortedUnique(r.revokedVersions),
    activeVersions: sortedUnique(r.activeVersions.filter((v) => Number.isSafeInteger(v))),
    fetchedAt: r.fetchedAt,
  };
}

function sortedUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
