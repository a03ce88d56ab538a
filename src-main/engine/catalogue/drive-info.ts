import type { Db } from '../store/db';

/**
 * Every drive's model and capacity by id, read once for a scoring (its tree inputs, robust baseline and per-model
 * scaler all need them): arrays indexed by id, as Maps of 300,000 objects took half a second to build, three times.
 */
export interface DriveInfo {
  /** The drive's model ('' when the drive is unknown). */
  modelOf(id: number): string;
  /** Bytes, or null when unknown. */
  capacityOf(id: number): number | null;
}

export function readDriveInfo(db: Db): DriveInfo {
  const rows = db.prepare('SELECT id, model, capacity FROM drives').raw().all() as [
    number,
    string,
    number | null,
  ][];
  let maxId = 0;
  for (const [id] of rows) if (id > maxId) maxId = id;
  const models = new Array<string>(maxId + 1).fill('');
  const capacity = new Float64Array(maxId + 1).fill(NaN);
  for (const [id, model, bytes] of rows) {
    models[id] = model;
    if (bytes !== null) capacity[id] = bytes;
  }
  return {
    modelOf: (id) => models[id] ?? '',
    capacityOf: (id) => {
      const c = capacity[id] ?? NaN;
      return Number.isNaN(c) ? null : c;
    },
  };
}
