import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScoreResult, TrainConfig, TrainResult } from '../../api-types';
import { Engine } from '../../engine';
import { float32Of } from '../../store/blobs';
import { loadNative } from '../native/addon';
import { FOLDS_FILE, foldFile, GBDT_FILE, type FoldsFile } from './model-files';
import type { TreeModelFile } from './train-trees';

const SAMPLE = resolve(__dirname, '../../../../resources/sample');
const skip = loadNative().module ? false : `the native engine is not built: ${loadNative().error}`;

describe('tree runs on the real sample', { skip }, () => {
  let dir: string;
  let engine: Engine;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-trees-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const train = async (config: TrainConfig): Promise<TrainResult> =>
    (await engine.jobs.wait((await engine.call('train/start', { config })).jobId)).result as TrainResult;
  const score = async (runId: number): Promise<ScoreResult> =>
    (await engine.jobs.wait((await engine.call('runs/score', { id: runId })).jobId)).result as ScoreResult;
  const windowScores = (runId: number): Map<number, Float32Array> =>
    new Map(
      (
        engine.db.prepare('SELECT drive_id, window_scores FROM scores WHERE run_id = ?').raw().all(runId) as [
          number,
          Buffer,
        ][]
      ).map(([id, b]) => [id, float32Of(b)]),
    );

  test('the sample cross-validates by default: every drive held out once, scored by a model that never saw it', async () => {
    const r = await train({ model: 'gbdt', rounds: 20, seed: 2 });
    assert.equal(r.status, 'done', r.error);
    const run = await engine.call('runs/get', { id: r.runId });
    assert.equal(run.config.folds, 5, '57 failures x 15% < 50: cross-validation is the default');
    assert.equal(run.epochs.length, 20, "the final model's rounds are the run's epochs");
    const runDir = run.weightsDir!;
    const folds = JSON.parse(readFileSync(join(runDir, FOLDS_FILE), 'utf8')) as FoldsFile;
    const drives = engine.db.prepare('SELECT id FROM drives WHERE days_seen > 0').pluck().all() as number[];
    assert.equal(Object.keys(folds.fold).length, drives.length, 'every drive has a fold');
    const failed = new Set(
      engine.db.prepare('SELECT id FROM drives WHERE failure_day IS NOT NULL').pluck().all() as number[],
    );
    const perFold = [0, 0, 0, 0, 0];
    for (const [id, k] of Object.entries(folds.fold)) if (failed.has(Number(id))) perFold[k]++;
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `failures per fold: ${perFold.join(', ')}`);
    for (let k = 0; k < 5; k++) {
      const m = JSON.parse(readFileSync(join(runDir, foldFile(k)), 'utf8')) as TreeModelFile;
      const seen = new Set([...m.trainedOn, ...m.validatedOn]);
      const heldOut = Object.entries(folds.fold).filter(([, f]) => f === k);
      assert.ok(heldOut.length > 900);
      for (const [id] of heldOut) assert.ok(!seen.has(Number(id)), `fold ${k + 1}'s model saw drive ${id}`);
    }
    const final = JSON.parse(readFileSync(join(runDir, GBDT_FILE), 'utf8')) as TreeModelFile;
    assert.ok(
      final.trainedOn.length > 0.8 * drives.length,
      'the final model learns from (almost) every drive',
    );

    // Scores come from the fold models: hiding them, the final model scores differently.
    const s = await score(r.runId);
    assert.equal(s.status, 'done');
    const crossValidated = windowScores(r.runId);
    assert.equal(crossValidated.size, s.drives);
    const split = engine.db
      .prepare('SELECT DISTINCT split FROM scores WHERE run_id = ?')
      .pluck()
      .all(r.runId);
    assert.deepEqual(split, [2], 'every drive is in the evaluation');
    renameSync(join(runDir, FOLDS_FILE), join(runDir, 'hidden.json'));
    await score(r.runId);
    renameSync(join(runDir, 'hidden.json'), join(runDir, FOLDS_FILE));
    const byFinal = windowScores(r.runId);
    let differ = 0;
    for (const [id, v] of crossValidated) if (v.some((x, i) => x !== byFinal.get(id)![i])) differ++;
    assert.ok(
      differ > 0.9 * crossValidated.size,
      `${differ} of ${crossValidated.size} drives scored differently`,
    );
    await score(r.runId);

    // The evaluation says where its figures come from, and compares with the rule, paired.
    const e = await engine.call('eval/report', { runId: r.runId, far: 0.01, bootstrap: 50 });
    assert.match(e.evaluationSet, /5-fold cross-validated/);
    assert.equal(e.positives + e.negatives, s.drives);
    assert.ok(e.vsRule);
    assert.equal(e.vsRule.failedDrives, e.positives);
    assert.equal(e.vsRule.atFar.length, 3);
    const at1 = e.vsRule.atFar[1];
    assert.equal(at1.far, 0.01);
    assert.equal(at1.model, e.detectionAtFar[1].detection);
    assert.equal(
      at1.baseline,
      e.baselines.find((b) => b.name === 'backblaze-rule')!.detectionAtFar[1].detection,
    );
    assert.ok(at1.interval && at1.interval[0] <= at1.difference && at1.difference <= at1.interval[1]);
    assert.match(e.vsRule.verdict, /Backblaze's rule|too few failed drives/);

    // Why flagged: the top drive's per-attribute contributions.
    const top = (await engine.call('scores/top', { runId: r.runId, limit: 1 })).rows[0];
    const why = await engine.call('scores/drive', { runId: r.runId, serial: top.serial });
    assert.equal(why.features.length, final.inputs.spec.attributes.length);
    assert.ok(why.dayErrors.length > 0 && why.dayErrors.every((row) => row.every((v) => v >= 0)));
  });

  test('a held-out tree run (folds 0) trains on the training drives and is evaluated on the test split', async () => {
    const r = await train({ model: 'gbdt', rounds: 10, folds: 0, maxDepth: 3 });
    assert.equal(r.status, 'done', r.error);
    await score(r.runId);
    const e = await engine.call('eval/report', { runId: r.runId, bootstrap: 0 });
    assert.match(e.evaluationSet, /held-out test drives/);
    assert.ok(e.positives + e.negatives < 1000);
  });

  test('settings trees cannot use are refused at the door', async () => {
    await assert.rejects(
      engine.call('train/start', { config: { model: 'gbdt', loss: { kind: 'mse' } } }),
      /logistic\) or focal/,
    );
    await assert.rejects(
      engine.call('train/start', { config: { model: 'gbdt', folds: 5, testFromDay: '2013-05-01' } }),
      /cannot be combined with a time split/,
    );
  });
});
