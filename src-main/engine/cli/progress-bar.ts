import type { ImportProgress } from '../api-types';

function duration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '--';
  if (sec < 60) return `${Math.round(sec)}s`;
  return `${Math.floor(sec / 60)}m${String(Math.round(sec % 60)).padStart(2, '0')}s`;
}

/** One line: a bar, percent, rows, rows/s, ETA and the file being read. */
export function progressLine(p: ImportProgress, width = 28): string {
  const filled = Math.round(p.fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const file = p.currentFile.length > 40 ? `...${p.currentFile.slice(-37)}` : p.currentFile;
  return `[${bar}] ${(p.fraction * 100).toFixed(1).padStart(5)}%  ${p.rowsDone.toLocaleString('en-US')} rows  ${Math.round(p.rowsPerSec).toLocaleString('en-US')} rows/s  ETA ${duration(p.etaSec)}  ${file}`;
}
