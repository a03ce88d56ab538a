/**
 * What the views share: the run being looked at, its threshold (set on the
 * Threshold tab, drawn as a line in drive detail and used for "flagged"), and
 * the drive open in detail. Plain runes state; each view reads what it needs.
 */
export interface OpenDrive {
  serial: string;
  /** A day to point at (from a heatmap cell), 'YYYY-MM-DD'. */
  day?: string;
}

export const workspace = $state<{
  runId: number | null;
  threshold: number | null;
  drive: OpenDrive | null;
}>({ runId: null, threshold: null, drive: null });

/** Is a score at or above the threshold? Compared in float32, as the engine stores and compares scores. */
export function isFlagged(score: number | null | undefined, threshold: number | null): boolean {
  return score !== null && score !== undefined && threshold !== null && score >= Math.fround(threshold);
}

const lastRunKey = (dbPath: string): string => `drive-triage:last-run:${dbPath}`;

/**
 * Reopening a workspace opens the run the analyst last looked at (not the newest run, which may be a search's
 * trial): read it now, and from here on remember each run looked at. Per workspace file, in this browser.
 */
export function rememberLastRun(dbPath: string): void {
  try {
    const saved = Number(localStorage.getItem(lastRunKey(dbPath)));
    if (workspace.runId === null && Number.isInteger(saved) && saved > 0) workspace.runId = saved;
  } catch {
    // No storage (a locked-down browser): every start opens the newest run, as before.
  }
  $effect.root(() => {
    $effect(() => {
      const id = workspace.runId;
      try {
        if (id !== null) localStorage.setItem(lastRunKey(dbPath), String(id));
      } catch {
        // As above.
      }
    });
  });
}
