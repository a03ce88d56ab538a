/** The common SMART attributes by id, as drive vendors and Backblaze name them. */
const NAMES: Record<number, string> = {
  1: 'Read error rate',
  3: 'Spin-up time',
  4: 'Start/stop count',
  5: 'Reallocated sectors',
  7: 'Seek error rate',
  9: 'Power-on hours',
  10: 'Spin retry count',
  12: 'Power cycles',
  183: 'Runtime bad blocks',
  184: 'End-to-end errors',
  187: 'Reported uncorrectable',
  188: 'Command timeouts',
  189: 'High fly writes',
  190: 'Airflow temperature',
  191: 'G-sense errors',
  192: 'Power-off retracts',
  193: 'Load cycles',
  194: 'Temperature',
  195: 'Hardware ECC recovered',
  196: 'Reallocation events',
  197: 'Current pending sectors',
  198: 'Offline uncorrectable',
  199: 'UDMA CRC errors',
  240: 'Head flying hours',
  241: 'Total LBAs written',
  242: 'Total LBAs read',
};

/** The trees' inputs that are not one SMART column. */
const TREE_INPUTS: Record<string, string> = {
  backblaze_rule: "Backblaze's rule (5+187+188+197+198)",
  drive_model: 'drive model',
  capacity_tb: 'capacity (TB)',
};

/** 'smart_197_raw' -> 'SMART 197 Current pending sectors'; the trees' own inputs in words; other columns as they are. */
export function attributeLabel(column: string): string {
  if (column in TREE_INPUTS) return TREE_INPUTS[column];
  // A sequence model's daily-change input: the counter's name, then what it is.
  if (column.endsWith(':change'))
    return `${attributeLabel(column.slice(0, -':change'.length))} · daily change`;
  const m = /^smart_(\d+)_(raw|normalized)$/.exec(column);
  if (!m) return column;
  const id = Number(m[1]);
  const kind = m[2] === 'normalized' ? ' (normalised)' : '';
  return `SMART ${id}${NAMES[id] ? ` ${NAMES[id]}` : ''}${kind}`;
}

/** 'smart_197_raw' -> 'SMART 197' (an axis title, where the full name does not fit); other columns as they are. */
export function attributeShort(column: string): string {
  const m = /^smart_(\d+)_(raw|normalized)$/.exec(column);
  return m ? `SMART ${m[1]}${m[2] === 'normalized' ? ' (norm.)' : ''}` : column;
}
