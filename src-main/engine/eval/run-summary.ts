import type { Db } from '../store/db';
import { Evaluator } from './evaluator';

/**
 * A scored run's headline figures, stored with the run so the runs table can show them without evaluating every
 * run: drive-level average precision and detection at a 1% false-alarm rate on its evaluation set. Null where the
 * set holds no failed (or no healthy) drive.
 */
export function storeEvalSummary(
  db: Db,
  runId: number,
): { ap: number | null; detectionAtFar1: number | null } {
  const s = new Evaluator(db).session(runId);
  const ap = s.curves('drive', 'model', 2).averagePrecision;
  const detectionAtFar1 = s.at('drive', s.thresholdFor('drive', { kind: 'far', far: 0.01 })).recall;
  db.prepare('UPDATE runs SET eval_ap = ?, eval_det1 = ? WHERE id = ?').run(ap, detectionAtFar1, runId);
  return { ap, detectionAtFar1 };
}
