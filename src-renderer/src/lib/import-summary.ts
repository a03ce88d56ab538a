import type { ImportFileResult, ImportResult } from '../../../src-main/engine/api-types';
import { fileName } from './format';

export type Tone = 'ok' | 'bad' | 'muted';

/**
 * A file's line in the import report: "imported" only where rows were added. A file whose rows were all rejected
 * was read but gave nothing: it reads as a problem, not as a green "imported".
 */
export function fileStatus(f: ImportFileResult): { label: string; tone: Tone } {
  switch (f.status) {
    case 'refused':
      return { label: 'refused', tone: 'bad' };
    case 'interrupted':
      return { label: 'interrupted', tone: 'bad' };
    case 'already-imported':
      return { label: 'already imported', tone: 'muted' };
    default:
      if (f.rowsAccepted > 0) return { label: 'imported', tone: 'ok' };
      if (f.rowsRejected > 0) return { label: 'all rows rejected', tone: 'bad' };
      return { label: f.rowsDuplicate > 0 ? 'already stored' : 'no rows', tone: 'muted' };
  }
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * The report's headline: what happened to the import as a whole, its worst outcome first (a refused or empty
 * import never reads as "finished"), then the row counts.
 */
export function importHeadline(r: ImportResult): { title: string; tone: Tone; detail: string } {
  const bad = r.files.filter((f) => fileStatus(f).tone === 'bad');
  const rows = `${plural(r.rowsAccepted, 'row')} added, ${r.rowsRejected.toLocaleString('en-US')} rejected, ${r.rowsDuplicate.toLocaleString('en-US')} already stored, in ${r.seconds.toFixed(1)} s.`;
  if (r.cancelled)
    return { title: 'Import cancelled.', tone: 'muted', detail: `${rows} The rows added are kept.` };
  const total = r.files.length;
  if (total > 0 && bad.length === total) {
    const one = total === 1 ? bad[0] : null;
    const why = one
      ? `${fileName(one.name)} ${fileStatus(one).label}${one.message ? `: ${one.message}` : ''}`
      : '';
    return {
      title:
        total === 1 ? 'Nothing imported.' : `Nothing imported: all ${plural(total, 'file')} had problems.`,
      tone: 'bad',
      detail: one ? why : rows,
    };
  }
  if (bad.length > 0)
    return {
      title: `Import finished with problems: ${bad.length} of ${plural(total, 'file')} gave no rows.`,
      tone: 'bad',
      detail: rows,
    };
  if (r.rowsAccepted === 0) return { title: 'Nothing new to import.', tone: 'muted', detail: rows };
  return { title: 'Import finished.', tone: 'ok', detail: rows };
}
