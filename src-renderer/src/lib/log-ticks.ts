/**
 * Ticks for a log axis at 1-2-5 per decade, with labels that never collide: plotly's own `D2` ticks print SI
 * prefixes and minor labels that overlap ("0.1, 0.01, 100μ, 10n"; "2, 1, 5, 2"). Over a narrow range every 1, 2
 * and 5 is labelled; over a wide one only the decades (every other one past eight decades).
 */
export interface LogTicks {
  tickmode: 'array';
  tickvals: number[];
  ticktext: string[];
}

/** The ticks for values spanning [lo, hi] (both > 0). */
export function logTicks(lo: number, hi: number): LogTicks {
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const decades = Math.max(1, last - first);
  const mantissas = decades <= 3 ? [1, 2, 5] : [1];
  const step = decades > 8 ? 2 : 1;
  const inside = (ms: number[], step = 1): number[] => {
    const out: number[] = [];
    for (let e = first; e <= last; e += step)
      for (const m of ms) {
        const v = Number(`${m}e${e}`);
        if (v >= lo / 1.0001 && v <= hi * 1.0001) out.push(v);
      }
    return out;
  };
  let tickvals = inside(mantissas, step);
  // A range inside a decade: every digit (0.3, 0.4, … 0.8); narrower still, the 1-2-5 steps around it.
  if (tickvals.length < 2) tickvals = inside([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (tickvals.length < 2) {
    tickvals = [];
    for (let e = first; e <= last; e++) for (const m of [1, 2, 5]) tickvals.push(Number(`${m}e${e}`));
  }
  tickvals.sort((a, b) => a - b);
  return { tickmode: 'array', tickvals, ticktext: tickvals.map(shortLabel) };
}

/** `0.002`, `50`, `1000` inside 1e-3 .. 1e4; `2e-5`, `1e6` outside. */
export function shortLabel(v: number): string {
  const e = Math.floor(Math.log10(v) + 1e-9);
  if (e >= -3 && e <= 4) return String(Number(v.toPrecision(1)));
  const m = Math.round(v / 10 ** e);
  return `${m}e${e}`;
}

/** The ticks for the positive values of the traces drawn on the primary y axis; {} when there are none. */
export function logAxisFor(
  traces: { y?: ArrayLike<number | null>; yaxis?: string }[],
): LogTicks | Record<string, never> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of traces) {
    if (t.yaxis && t.yaxis !== 'y') continue;
    for (let i = 0; i < (t.y?.length ?? 0); i++) {
      const v = t.y![i];
      if (v === null || !(v > 0) || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? logTicks(lo, hi) : {};
}
