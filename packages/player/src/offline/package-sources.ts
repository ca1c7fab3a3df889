/**
 * `PackageSource`s (random access to a package's encrypted bytes, `@securevod/crypto`) over what
 * a page may hold: a `Blob`/`File` (an OPFS file, a file input), bytes in memory, or a source the
 * application made itself.
 */
import { packageSourceFromBytes, type PackageSource } from '@securevod/crypto';

export type PackageInput = PackageSource | Blob | Uint8Array | ArrayBuffer;

/** Reads slices of `blob` on demand; nothing is loaded up front. */
export function packageSourceFromBlob(blob: Blob): PackageSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

export function toPackageSource(input: PackageInput): PackageSource {
  if (typeof Blob !== 'undefined' && input instanceof Blob) return packageSourceFromBlob(input);
  if (input instanceof Uint8Array) return packageSourceFromBytes(input);
  if (input instanceof ArrayBuffer) return packageSourceFromBytes(new Uint8Array(input));
  const source = input as Partial<PackageSource> | null;
  if (typeof source?.read === 'function' && Number.isSafeInteger(source.size)) return source as PackageSource;
  throw new TypeError(
    'source must be a Blob, a Uint8Array, an ArrayBuffer or { size, read(offset, length) }.',
  );
}
