// Plain-text tables for bench output.

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/**
 * Formats rows under headers with a separator line; columns are padded to their widest cell.
 * @example
 *   formatTable([{ header: 'proxy' }, { header: 'req/s', align: 'right' }], [['nginx', '41,200']]);
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => pad(cells[i] ?? '', widths[i] ?? 0, c.align ?? 'left'))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `41234.5` → `41,235`. */
export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds with precision that suits their size: `0.412`, `12.3`, `250`. */
export function formatMs(value: number): string {
  if (value < 10) return value.toFixed(3);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

/** A ratio such as `0.87x`, or `-` when there is nothing to compare with. */
export function formatRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}x`;
}

function pad(text: string, width: number, align: Align): string {
  return align === 'right' ? text.padStart(width) : text.padEnd(width);
}
