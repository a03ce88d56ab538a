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

export function fmtDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '–';
  if (sec < 60) return `${Math.max(0, Math.round(sec))} s`;
  return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
}

export const fmtPct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
