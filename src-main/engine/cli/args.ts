/** A small argument parser: positionals, --flag, --key value, --key=value. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
  /** Every value of a flag given more than once (`--allow-path A --allow-path B`), in order. */
  repeated: Map<string, string[]>;
}

export function parseArgs(argv: string[], valued: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const set = (key: string, value: string): void => {
    flags.set(key, value);
    repeated.set(key, [...(repeated.get(key) ?? []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) set(key, a.slice(eq + 1));
      else if (valued.has(key)) {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new Error(`--${key} needs a value`);
        set(key, v);
        i++;
      } else flags.set(key, true);
    } else positionals.push(a);
  }
  return { positionals, flags, repeated };
}
