export const fmtInt = (n: number): string => n.toLocaleString('en-US');

export function fmtBytes(n: number | null): string {
  if (n === null || n < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

/** `45 s`, `2 min 0 s`, `1 h 5 min`: rounded to the second first, so 119.6 s is `2 min 0 s`, never `1 min 60 s`. */
export function fmtDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '–';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const fmtPct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** "1 drive", "5,057 drives": a count with its noun, singular for one. */
export const countOf = (n: number, noun: string, plural = `${noun}s`): string =>
  `${fmtInt(n)} ${n === 1 ? noun : plural}`;

/** A path's last part (either separator: the engine may run on Windows). */
export const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** An ISO time as "YYYY-MM-DD HH:MM" (the minute is what a table of runs or imports needs); '–' for none. */
export const fmtWhen = (iso: string | null): string => (iso ? iso.replace('T', ' ').slice(0, 16) : '–');

/** A loss to four significant digits, or a dash. */
export const fmtLoss = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : x.toPrecision(4);
