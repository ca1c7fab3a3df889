/**
 * A `PackageSource` (@securevod/crypto) over an offline package on disk: random-access reads
 * through one `fs.FileHandle`, so opening a package reads its header and each chunk only when it
 * is needed — decrypting streams, and `offline play` serves any seek by reading one chunk.
 */
import type { PackageSource } from '@securevod/crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { CliError } from './cli-error.js';

export interface FilePackageSource extends PackageSource {
  close(): Promise<void>;
}

/** Opens `path` for reading. An unreadable path or a directory is a `CliError` naming the file. */
export async function openFilePackageSource(path: string): Promise<FilePackageSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${fsReason(error)}`);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new CliError(`${path} is not a regular file`);
  }
  return {
    size: info.size,
    // Returns fewer than `length` bytes only at the end of the file; openPackage reports that
    // as Truncated (the file shrank or was cut).
    async read(offset, length) {
      const bytes = new Uint8Array(length);
      let at = 0;
      while (at < length) {
        const { bytesRead } = await handle.read(bytes, at, length - at, offset + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      return at === length ? bytes : bytes.subarray(0, at);
    },
    close: () => handle.close(),
  };
}

export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (error instanceof Error ? error.message : String(error));
}
