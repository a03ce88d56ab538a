import { parseArgs } from 'node:util';
import { UsageError } from './common';

/**
 * What a command's flag takes: text, a number, a whole number, nothing (a switch), or text given any number of
 * times (`--allow-path A --allow-path B`).
 */
export type FlagType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  /** The value's name in the help (`--db <file>`). */
  value?: string;
  help: string;
}

export type FlagTable = Record<string, FlagSpec>;

/** A command's parsed flags, read by type (numbers were checked at parse time). */
export class Flags {
  constructor(private readonly values: Record<string, string | boolean | string[] | undefined>) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  num(name: string): number | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : Number(v);
  }

  all(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : [];
  }
}

/**
 * Parses one command's arguments strictly (node:util parseArgs): an unknown option, a missing value, a value given
 * to a switch or a number that is not one is a UsageError that names it (and the nearest known option).
 */
export function parseCommandLine(argv: string[], table: FlagTable): { positionals: string[]; flags: Flags } {
  const options = Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [
      name,
      {
        type: spec.type === 'boolean' ? ('boolean' as const) : ('string' as const),
        multiple: spec.type === 'list',
      },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(explain(err as Error & { code?: string }, Object.keys(table)));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  for (const [name, spec] of Object.entries(table)) {
    const v = values[name];
    if (typeof v !== 'string') continue;
    if (spec.type === 'number' && !Number.isFinite(Number(v)))
      throw new UsageError(`--${name} ${v}: not a number`);
    if (spec.type === 'integer' && !Number.isInteger(Number(v)))
      throw new UsageError(`--${name} ${v}: not a whole number`);
  }
  return { positionals: parsed.positionals, flags: new Flags(values) };
}

/** node:util's parse errors in the CLI's words. */
function explain(err: Error & { code?: string }, known: string[]): string {
  const option = /'(-{1,2}[^' =]+)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const near = didYouMean(option.replace(/^-+/, ''), known);
      return `unknown option ${option}${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(err.message) ? `${option} needs a value` : `${option} takes no value`;
    default:
      return err.message;
  }
}

/** The known word closest to a typo, if it is close (edit distance at most 2, and under half the word). */
export function didYouMean(word: string, known: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.min(2, Math.floor(Math.max(word.length, 2) / 2)) ? best : null;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** A command's flags as help lines: `  --db <file>   the workspace database`. */
export function flagHelp(table: FlagTable): string {
  const left = Object.entries(table).map(
    ([name, s]) =>
      `  --${name}${s.type === 'boolean' ? '' : ` <${s.value ?? (s.type === 'string' || s.type === 'list' ? 'text' : 'N')}>`}`,
  );
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return Object.values(table)
    .map((s, i) => `${left[i].padEnd(width)}${s.help}${s.type === 'list' ? ' (repeatable)' : ''}`)
    .join('\n');
}
