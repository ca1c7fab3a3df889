/**
 * How `securevod download` and `securevod offline decrypt` write their result: into `FILE.part`,
 * renamed to FILE only once the last byte is in and checked. On any failure — a refused or cut
 * download, a package that fails authentication halfway, Ctrl-C — the partial file is deleted,
 * so FILE either is complete or does not exist (and an older FILE is left untouched).
 */
import { unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

export interface OutputSink {
  /** Appends `bytes`; resolves once they are handed to the file system. */
  write(bytes: Uint8Array): Promise<void>;
  readonly bytesWritten: number;
}

export const PARTIAL_SUFFIX = '.part';

/** Signals that end the process while a partial file exists: it is removed first. */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT_CODES: Record<(typeof INTERRUPTS)[number], number> = {
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
};

/**
 * Runs `produce` with a sink over `target.part`, then renames it to `target`. If `produce` throws,
 * or the rename fails, the partial file is removed and the error rethrown unchanged. Installs
 * handlers for SIGINT/SIGTERM/SIGHUP for the duration, which remove the partial file and exit
 * (the usual 128 + signal code), since an interrupted CLI must not leave half a file behind.
 */
export async function writeThroughPartialFile<T>(
  target: string,
  produce: (sink: OutputSink) => Promise<T>,
): Promise<T> {
  const partial = target + PARTIAL_SUFFIX;
  let handle: FileHandle | undefined = await open(partial, 'w');
  const onSignal = (signal: (typeof INTERRUPTS)[number]) => {
    try {
      unlinkSync(partial);
    } catch {
      // already gone
    }
    process.exit(SIGNAL_EXIT_CODES[signal]);
  };
  for (const signal of INTERRUPTS) process.on(signal, onSignal);
  try {
    let bytesWritten = 0;
    const file = handle;
    const sink: OutputSink = {
      async write(bytes) {
        let at = 0;
        while (at < bytes.length) {
          const { bytesWritten: n } = await file.write(bytes, at, bytes.length - at);
          at += n;
        }
        bytesWritten += bytes.length;
      },
      get bytesWritten() {
        return bytesWritten;
      },
    };
    const result = await produce(sink);
    await handle.close();
    handle = undefined;
    await rename(partial, target);
    return result;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw error;
  } finally {
    for (const signal of INTERRUPTS) process.off(signal, onSignal);
  }
}
