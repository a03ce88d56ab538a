import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiError } from '../api-types';
import { JobManager } from './job-manager';

const dir = mkdtempSync(join(tmpdir(), 'dt-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('finished jobs are forgotten beyond the limit, oldest first; running and queued ones never', async () => {
  const jobs = new JobManager(() => {}, 2);
  const order = { kind: 'import' as const, dbPath: join(dir, 'w.sqlite'), paths: [join(dir, 'missing.csv')] };
  const running = jobs.start(order, 'runs first');
  const queued = Array.from({ length: 5 }, (_, i) => jobs.start(order, `queued ${i}`));
  // Cancelling a queued job finishes it at once.
  for (const q of queued.slice(0, 4)) jobs.cancel(q.id);
  const listed = jobs.list().map((j) => j.label);
  assert.deepEqual(listed, ['queued 4', 'queued 3', 'queued 2', 'runs first']);
  assert.throws(
    () => jobs.get(queued[0].id),
    (e: unknown) => e instanceof ApiError && e.code === 'not-found',
  );
  assert.equal(jobs.get(running.id).state, 'running');
  assert.equal(jobs.get(queued[4].id).state, 'queued');
  await jobs.close();
  assert.ok(jobs.list().length <= 2);
});
