/** Result rows as Markdown tables: readable in a terminal and pasted as-is into BENCHMARKS.md. */
import { describeGoal, type BenchResult, type ComparisonRow } from './benchmark.js';

export function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'ms') return `${value.toFixed(2)} ms`;
  if (unit === 'µs') return `${value.toFixed(0)} µs`;
  if (unit === 's') return `${value.toFixed(2)} s`;
  return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
}

/** Throughput ratios read best as a percentage of the anchor; time ratios as a multiple. */
export function formatRatio(row: ComparisonRow): string {
  if (!Number.isFinite(row.ratio)) return '—';
  return row.unit === 'ms' || row.unit === 'µs' || row.unit === 's'
    ? `${row.ratio.toFixed(2)}×`
    : `${(row.ratio * 100).toFixed(1)} %`;
}

export function formatResult(result: BenchResult): string {
  const lines = [
    `### ${result.name} — ${result.title}`,
    '',
    `ours: ${result.ours}`,
    `anchor: ${result.anchor}`,
    '',
    '| metric | ours | anchor | ours / anchor | goal | met |',
    '| --- | --: | --: | --: | --- | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.metric} | ${formatNumber(r.ours, r.unit)} | ${formatNumber(r.anchor, r.unit)} | ${formatRatio(r)} | ${describeGoal(r.goal)} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} |`,
    ),
    '',
    ...result.notes.map((n) => `- ${n}`),
  ];
  return lines.join('\n');
}
