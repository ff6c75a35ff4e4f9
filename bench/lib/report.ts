/** The results table: one row per figure, with its reference, ratio, target and PASS/MISS. */

export type Verdict = 'PASS' | 'MISS' | 'info';

export type Row = {
  section: string;
  metric: string;
  value: string;
  reference: string;
  ratio: string;
  target: string;
  result: Verdict;
};

export const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

export const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : 'n/a');
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
export const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
export const signedMs = (x: number): string =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)} ms` : 'n/a';

const COLUMNS = ['metric', 'value', 'reference', 'ratio', 'target', 'result'] as const;
const HEADERS = {
  metric: 'figure',
  value: 'Pagos',
  reference: 'reference',
  ratio: 'ratio / delta',
  target: 'target',
  result: 'result',
};

export function renderTable(rows: readonly Row[]): string {
  const width = Object.fromEntries(
    COLUMNS.map((c) => [c, Math.max(HEADERS[c].length, ...rows.map((r) => r[c].length))]),
  ) as Record<(typeof COLUMNS)[number], number>;
  const line = (cells: Record<(typeof COLUMNS)[number], string>) =>
    COLUMNS.map((c) => cells[c].padEnd(width[c]))
      .join(' | ')
      .trimEnd();
  const out = [line(HEADERS), COLUMNS.map((c) => '-'.repeat(width[c])).join('-|-')];
  let section = '';
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      out.push(`## ${section}`);
    }
    out.push(line(row));
  }
  return out.join('\n');
}
