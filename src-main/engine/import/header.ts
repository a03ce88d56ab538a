/** Maps a Backblaze header by name (never by position) and refuses what is not one. */

export const REQUIRED_COLUMNS = ['date', 'serial_number', 'model', 'capacity_bytes', 'failure'] as const;

export interface NumericColumn {
  /** Position in the CSV line. */
  col: number;
  /** Column name, e.g. smart_5_raw or pod_id. */
  name: string;
  /** smart_N_* columns must be numeric; other extras fall back to tags when not. */
  smart: boolean;
}

export interface Header {
  columns: string[];
  date: number;
  serial: number;
  model: number;
  capacity: number;
  failure: number;
  numeric: NumericColumn[];
}

export class FormatError extends Error {}

const SMART_COLUMN = /^smart_(\d+)_(raw|normalized)$/;

export function smartColumnInfo(name: string): { id: number; kind: 'raw' | 'normalized' } | null {
  const m = SMART_COLUMN.exec(name);
  return m ? { id: Number(m[1]), kind: m[2] as 'raw' | 'normalized' } : null;
}

export function parseHeader(line: string | undefined): Header {
  if (line === undefined || line.trim() === '') throw new FormatError('the file is empty');
  // eslint-disable-next-line no-control-regex -- control characters are how binary input shows itself
  if (/[\x00-\x08\x0e-\x1f]/.test(line) || /[\x80-\xff]{4}/.test(line)) {
    throw new FormatError('this is not a text CSV file (binary data in the first line)');
  }
  const columns = line.split(',').map((c) =>
    c
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase(),
  );
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    const hint =
      columns.length === 1 && /[;\t|]/.test(line)
        ? ` (the delimiter looks like '${/[;\t|]/.exec(line)?.[0] === '\t' ? 'tab' : /[;\t|]/.exec(line)?.[0]}', Backblaze files use commas)`
        : '';
    throw new FormatError(
      `not a Backblaze drive-stats CSV: the header lacks ${missing.join(', ')}${hint}; ${quoteFirstLine(line)}`,
    );
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new FormatError(`the header names column "${c}" twice`);
    seen.add(c);
  }
  const at = (name: string): number => columns.indexOf(name);
  const fixed = new Set<string>(REQUIRED_COLUMNS);
  const numeric: NumericColumn[] = [];
  columns.forEach((name, col) => {
    if (fixed.has(name) || name === '') return;
    numeric.push({ col, name, smart: SMART_COLUMN.test(name) });
  });
  return {
    columns,
    date: at('date'),
    serial: at('serial_number'),
    model: at('model'),
    capacity: at('capacity_bytes'),
    failure: at('failure'),
    numeric,
  };
}

/**
 * The refused file's first line, only where it reads like a header: a refusal must not hand a file's content
 * (say /etc/passwd, through web mode) to whoever asked for the import.
 */
function quoteFirstLine(line: string): string {
  const head = line.slice(0, 80);
  return /^[\w ,;|\t."-]*$/.test(head)
    ? `first line: "${head.replaceAll('\t', '\\t')}"`
    : 'its first line is not shown (it does not look like a CSV header)';
}
