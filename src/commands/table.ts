/** Aligned text tables for the human output of headless commands. */

export interface TableOptions {
  /** Columns of numbers, aligned to the right. */
  right?: readonly number[];
  /** Text before every line (indentation under a heading). */
  indent?: string;
}

/** Header and rows padded to the widest cell of each column (a last text column is left as it is). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const right = new Set(options.right ?? []);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    (options.indent ?? '') +
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `2026-11-26T08:25:06.636Z` → `2026-11-26T08:25:06Z`: seconds are enough to read a list. */
export function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}
