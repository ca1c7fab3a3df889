/** The offline demo page as the browser tests drive it: SDK calls inside the page, and what they return. */
import type { Page } from 'playwright-core';

export const NOT_LICENSED = {
  type: 'key',
  details: 'notLicensed',
  fatal: true,
  message: 'This video is not licensed for this app.',
};

export interface ErrorData {
  type: string;
  details: string;
  fatal: boolean;
  message: string;
  code?: string;
}
export interface StoredPackage {
  id: string;
  videoId: string;
  definition: string;
  secretVersion: number;
  appIdentification: string;
  size: number;
  createdAt: string;
}
/** The parts of the SDK global these page functions use. */
export interface Sdk {
  createDownloader(o?: object): {
    download(o: object): Promise<StoredPackage>;
    list(): Promise<StoredPackage[]>;
    remove(id: string): Promise<boolean>;
  };
  createOfflinePlayer(o: object): {
    ready: Promise<void>;
    destroy(): void;
    on(type: 'error', listener: (error: unknown) => void): () => void;
  };
  openPackageStore(kind?: string): Promise<{
    kind: string;
    list(): Promise<StoredPackage[]>;
    openSource(id: string): Promise<{ size: number; read(o: number, l: number): Promise<Uint8Array> }>;
  }>;
  refreshRevocations(): Promise<{ revokedVersions: number[] }>;
}
export type PageWindow = {
  SecureVod: Sdk;
  demo: { lastDownload?: StoredPackage; progress: number[]; errors: ErrorData[] };
};

export function sdkDownload(
  target: Page,
  vid: string,
  auth: string,
  options: { store?: 'indexeddb'; abortAtFirstProgress?: boolean; breakFirstAttempt?: boolean } = {},
) {
  return target.evaluate(
    async ({ vid, auth, options }) => {
      const sdk = (window as unknown as PageWindow).SecureVod;
      const controller = new AbortController();
      const store = options.store ? await sdk.openPackageStore(options.store) : undefined;
      let attempts = 0;
      const breaking = async (url: string, init: RequestInit) => {
        const res = await fetch(url, init);
        if (attempts++ > 0 || !res.body) return res;
        let passed = 0;
        const cut = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            if (passed > 300_000) throw new TypeError('connection reset (test)');
            passed += chunk.length;
            out.enqueue(chunk);
          },
        });
        return new Response(res.body.pipeThrough(cut), { status: res.status, headers: res.headers });
      };
      const restarts: number[] = [];
      try {
        const downloader = sdk.createDownloader({
          ...(store && { store }),
          ...(options.breakFirstAttempt && { fetch: breaking, restartPolicy: { restartDelayMs: 10 } }),
        });
        const record = await downloader.download({
          vid,
          playAuth: auth,
          signal: controller.signal,
          onProgress: (p: { loaded: number; total: number; restarts: number }) => {
            if (!restarts.includes(p.restarts)) restarts.push(p.restarts);
            if (options.abortAtFirstProgress) controller.abort();
          },
        });
        return { record, restarts };
      } catch (e) {
        const error = e as { toJSON(): ErrorData };
        return { error: error.toJSON(), restarts };
      }
    },
    { vid, auth, options },
  );
}

/** Plays in a fresh <video> on the page; resolves when ready, or with the error. */
export function sdkPlay(
  target: Page,
  options: {
    packageId?: string;
    base64Source?: string;
    keyFile: string;
    appDecryptKey: string;
    store?: 'indexeddb';
  },
) {
  return target.evaluate(async (o) => {
    const sdk = (window as unknown as PageWindow).SecureVod;
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const source = o.base64Source ? Uint8Array.from(atob(o.base64Source), (c) => c.charCodeAt(0)) : undefined;
    const store = o.store ? await sdk.openPackageStore(o.store) : undefined;
    const player = sdk.createOfflinePlayer({
      video,
      ...(o.packageId ? { packageId: o.packageId } : { source }),
      ...(store && { store }),
      keyFile: o.keyFile,
      appDecryptKey: o.appDecryptKey,
    });
    try {
      // Listeners first and one deadline for everything: `ready` or `play()` may never settle
      // for a package that fails, and page.evaluate itself has no timeout.
      const playing = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stuck at ${video.currentTime}`)), 30_000);
        player.on('error', (error) => {
          clearTimeout(timer);
          reject(error as Error);
        });
        video.addEventListener('timeupdate', () => {
          if (video.currentTime > 2) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await Promise.race([player.ready, playing]);
      void video.play().catch(() => undefined);
      await playing;
      return { played: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames };
    } catch (e) {
      const error = e as { toJSON?(): ErrorData; message: string };
      return {
        error: error.toJSON
          ? error.toJSON()
          : ({ type: 'thrown', details: '', fatal: true, message: error.message } as ErrorData),
      };
    } finally {
      player.destroy();
      video.remove();
    }
  }, options);
}

export async function waitPast(page: Page, seconds: number) {
  await page.waitForFunction(
    (t) => {
      const v = document.querySelector<HTMLVideoElement>('#video')!;
      if (v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
      return v.currentTime > t || (window as unknown as PageWindow).demo.errors.length > 0;
    },
    seconds,
    { timeout: 40_000, polling: 200 },
  );
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('#video')!;
    return {
      currentTime: v.currentTime,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      errors: (window as unknown as PageWindow).demo.errors,
    };
  });
}

export async function opfsFiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('securevod-offline', { create: true });
    const names: string[] = [];
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return names.sort();
  });
}

export async function storedBytes(page: Page, id: string): Promise<string> {
  return page.evaluate(async (id) => {
    const store = await (window as unknown as PageWindow).SecureVod.openPackageStore('opfs');
    const source = await store.openSource(id);
    const bytes = await source.read(0, source.size);
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, id);
}

export function countOf(haystack: Buffer, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}
