import { describe, expect, test } from 'vitest';
import type { ImportFileResult, ImportResult } from '../../../src-main/engine/api-types';
import { fileStatus, importHeadline } from './import-summary';

const file = (f: Partial<ImportFileResult>): ImportFileResult => ({
  name: '/data/2024-01-01.csv',
  status: 'imported',
  rowsAccepted: 0,
  rowsRejected: 0,
  rowsDuplicate: 0,
  ...f,
});
const result = (files: ImportFileResult[], r: Partial<ImportResult> = {}): ImportResult => ({
  files,
  skipped: [],
  rowsAccepted: files.reduce((s, f) => s + f.rowsAccepted, 0),
  rowsRejected: files.reduce((s, f) => s + f.rowsRejected, 0),
  rowsDuplicate: files.reduce((s, f) => s + f.rowsDuplicate, 0),
  cancelled: false,
  seconds: 1.24,
  ...r,
});

describe('the import report', () => {
  test('a file whose rows were all rejected is a problem, not a green "imported"', () => {
    expect(fileStatus(file({ rowsAccepted: 10, rowsRejected: 2 }))).toEqual({
      label: 'imported',
      tone: 'ok',
    });
    expect(fileStatus(file({ rowsRejected: 40 }))).toEqual({ label: 'all rows rejected', tone: 'bad' });
    expect(fileStatus(file({ rowsDuplicate: 40 }))).toEqual({ label: 'already stored', tone: 'muted' });
    expect(fileStatus(file({ status: 'refused' }))).toEqual({ label: 'refused', tone: 'bad' });
    expect(fileStatus(file({ status: 'already-imported' })).tone).toBe('muted');
  });

  test('a file refused whole reads as refused in the headline, with its reason', () => {
    const h = importHeadline(
      result([
        file({ status: 'refused', message: 'not a Backblaze CSV: no serial_number column (line 1).' }),
      ]),
    );
    expect(h.title).toBe('Nothing imported.');
    expect(h.tone).toBe('bad');
    expect(h.detail).toBe('2024-01-01.csv refused: not a Backblaze CSV: no serial_number column (line 1).');
  });

  test('some files with problems, every file with problems, nothing new, and a clean import', () => {
    const good = file({ name: 'a.csv', rowsAccepted: 1000 });
    const rejected = file({ name: 'b.csv', rowsRejected: 12 });
    expect(importHeadline(result([good, rejected])).title).toBe(
      'Import finished with problems: 1 of 2 files gave no rows.',
    );
    expect(importHeadline(result([rejected, file({ name: 'c.csv', status: 'refused' })])).title).toBe(
      'Nothing imported: all 2 files had problems.',
    );
    expect(importHeadline(result([file({ rowsDuplicate: 5 })])).title).toBe('Nothing new to import.');
    const clean = importHeadline(result([good]));
    expect(clean).toEqual({
      title: 'Import finished.',
      tone: 'ok',
      detail: '1,000 rows added, 0 rejected, 0 already stored, in 1.2 s.',
    });
    expect(importHeadline(result([good], { cancelled: true })).title).toBe('Import cancelled.');
  });
});
