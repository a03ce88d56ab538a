import type { ImportProgress } from '../api-types';

/** `45s`, `2m00s`, `1h05m`: rounded to the second first, so 119.6 s is `2m00s`, never `1m60s`. */
export function duration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '--';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line: a bar, percent, rows, rows/s, ETA and the file being read. */
export function progressLine(p: ImportProgress, width = 28): string {
  const filled = Math.round(p.fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const file = p.currentFile.length > 40 ? `...${p.currentFile.slice(-37)}` : p.currentFile;
  return `[${bar}] ${(p.fraction * 100).toFixed(1).padStart(5)}%  ${p.rowsDone.toLocaleString('en-US')} rows  ${Math.round(p.rowsPerSec).toLocaleString('en-US')} rows/s  ETA ${duration(p.etaSec)}  ${file}`;
}
