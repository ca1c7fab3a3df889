/**
 * A directory as a node sees a read-only mount of it (a Kubernetes Secret, a read-only NFS
 * export), for child processes. As root — which ignores permission bits — the child runs in a
 * mount namespace of its own (`unshare`) where `view` is a read-only bind mount of `source`, so
 * writes fail with EROFS and nothing outside the child changes. Without root, `view` is `source`
 * itself with its write bits removed (EACCES), and `restore()` gives them back.
 */
import { chmod, mkdir } from 'node:fs/promises';

export interface ReadOnlyView {
  /** The path child processes use. */
  readonly path: string;
  /** Prefix for the child's command line (empty without root). */
  readonly launcher: string[];
  /** What a write there fails with. */
  readonly errorCode: 'EROFS' | 'EACCES';
  restore(): Promise<void>;
}

export async function readOnlyView(source: string, view: string): Promise<ReadOnlyView> {
  if (process.getuid?.() === 0) {
    await mkdir(view, { recursive: true }); // the mount point
    return {
      path: view,
      launcher: [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$2" "$1" && mount -o remount,bind,ro "$1" && shift 2 && exec "$@"',
        'sh',
        view,
        source,
      ],
      errorCode: 'EROFS',
      restore: async () => {},
    };
  }
  await chmod(source, 0o500);
  return { path: source, launcher: [], errorCode: 'EACCES', restore: () => chmod(source, 0o700) };
}
