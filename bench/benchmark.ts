/**
 * The contract between `bench/run.ts` and every `bench/*.bench.ts` file: a benchmark measures
 * one of our components and its anchor (a well-known baseline) in the same run, on the same
 * machine, with the same load generator, and reports rows of ours / anchor / ratio / goal.
 * Benchmarks report; they never fail because something is slow — only when they cannot measure.
 */
import type { LoadSettings } from './load-generator.js';

export interface BenchOptions {
  load: LoadSettings;
  /** Run a second, CPU-profiled pass of our component and summarise where its time goes. */
  profile: boolean;
}

export interface BenchContext {
  readonly options: BenchOptions;
  /** A fresh directory for this benchmark's data, removed afterwards. */
  readonly workDir: string;
  log(line: string): void;
}

/** What "good enough" means for a row, as data. */
export type Goal =
  | { kind: 'ratio-at-least'; value: number }
  /** For times: ours may take at most `value` × the anchor's. */
  | { kind: 'ratio-at-most'; value: number }
  | { kind: 'ours-below'; value: number; unit: string };

export interface ComparisonRow {
  metric: string;
  unit: string;
  ours: number;
  anchor: number;
  /** ours / anchor. */
  ratio: number;
  goal?: Goal;
  /** Whether the goal is met (undefined without a goal). */
  met?: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  /** What "ours" and "anchor" are, in a few words each. */
  ours: string;
  anchor: string;
  rows: ComparisonRow[];
  notes: string[];
  /** Raw measurements, for the results JSON. */
  details: Record<string, unknown>;
}

export interface Benchmark {
  /** Matches the file name (`<name>.bench.ts`); `npm run bench -- <name>` selects it. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function compare(
  metric: string,
  unit: string,
  ours: number,
  anchor: number,
  goal?: Goal,
): ComparisonRow {
  const ratio = ours / anchor;
  const row: ComparisonRow = { metric, unit, ours, anchor, ratio };
  if (goal) {
    row.goal = goal;
    row.met =
      goal.kind === 'ratio-at-least'
        ? ratio >= goal.value
        : goal.kind === 'ratio-at-most'
          ? ratio <= goal.value
          : ours < goal.value;
  }
  return row;
}

export function describeGoal(goal: Goal | undefined): string {
  if (!goal) return '';
  switch (goal.kind) {
    case 'ratio-at-least':
      return `≥ ${Math.round(goal.value * 100)} % of anchor`;
    case 'ratio-at-most':
      return `≤ ${goal.value}× anchor`;
    case 'ours-below':
      return `< ${goal.value} ${goal.unit}`;
  }
}
