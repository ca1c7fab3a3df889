// Types of build-freshness.mjs, for the TypeScript that imports it (bench/server-start.bench.ts).
export declare const DIST_DIR: string;
export declare const ENTRY: string;
export declare const STAMP: string;
export interface SourceState {
  files: number;
  newestMtimeMs: number;
}
export declare function sourceState(): SourceState;
export declare function buildFreshness(): { fresh: boolean; reason: string; sources: SourceState };
