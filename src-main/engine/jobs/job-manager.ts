import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ApiError, type Events, type JobInfo } from '../api-types';
import { spawnWorker } from '../worker-spawn';
import type { JobMessage, JobOrder, JobSpec } from './job-protocol';

type Emit = <E extends keyof Events>(event: E, data: Events[E]) => void;

/** If a worker has not wound down this long after a cancel, it is stopped hard (the store stays consistent). */
const CANCEL_GRACE_MS = 1500;
/** A search first stops its trials' workers (each within their own grace) and records them. */
const SEARCH_CANCEL_GRACE_MS = 10_000;
/** Finished jobs remembered (newest first) for jobs/list and jobs/get: a server running for months stays bounded. */
const KEEP_FINISHED = 200;

interface Running {
  info: JobInfo;
  cancelFlag: Int32Array;
  worker: Worker | null;
  order: JobSpec;
  finished: Promise<JobInfo>;
  settle: (j: JobInfo) => void;
}

/**
 * Long work runs as jobs in worker threads, one at a time (the store has one
 * writer), so the thread that answers the UI stays free.
 */
export class JobManager {
  private readonly jobs = new Map<string, Running>();
  private readonly queue: Running[] = [];
  private active: Running | null = null;

  constructor(
    private readonly emit: Emit,
    private readonly keepFinished = KEEP_FINISHED,
  ) {}

  start(order: JobSpec, label: string): JobInfo {
    let settle!: (j: JobInfo) => void;
    const finished = new Promise<JobInfo>((r) => (settle = r));
    const job: Running = {
      info: {
        id: randomUUID(),
        kind: order.kind,
        state: 'queued',
        label,
        progress: null,
        result: null,
        error: null,
        startedAt: new Date().toISOString(),
        finishedAt: null,
      },
      cancelFlag: new Int32Array(new SharedArrayBuffer(4)),
      worker: null,
      order,
      finished,
      settle,
    };
    this.jobs.set(job.info.id, job);
    this.queue.push(job);
    this.pump();
    return { ...job.info };
  }

  get(id: string): JobInfo {
    const j = this.jobs.get(id);
    if (!j) throw new ApiError('not-found', `no job with id ${id}`);
    return { ...j.info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info })).reverse();
  }

  /** Records that `id` started `followUpId` (an import's update): jobs/get of the first names the second. */
  link(id: string, followUpId: string): void {
    const j = this.jobs.get(id);
    if (j) j.info.followUpJobId = followUpId;
  }

  /** Resolves when the job ends, whatever way it ends. */
  wait(id: string): Promise<JobInfo> {
    const j = this.jobs.get(id);
    if (!j) throw new ApiError('not-found', `no job with id ${id}`);
    return j.finished;
  }

  cancel(id: string): JobInfo {
    const j = this.jobs.get(id);
    if (!j) throw new ApiError('not-found', `no job with id ${id}`);
    if (j.info.state === 'queued') {
      this.queue.splice(this.queue.indexOf(j), 1);
      this.finish(j, 'cancelled', null, null);
    } else if (j.info.state === 'running') {
      Atomics.store(j.cancelFlag, 0, 1);
      const w = j.worker;
      setTimeout(
        () => {
          if (j.info.state === 'running' && w) void w.terminate();
        },
        j.info.kind === 'search' ? SEARCH_CANCEL_GRACE_MS : CANCEL_GRACE_MS,
      ).unref();
    }
    return { ...j.info };
  }

  async close(): Promise<void> {
    for (const j of this.queue.splice(0)) this.finish(j, 'cancelled', null, null);
    const a = this.active;
    if (a) {
      this.cancel(a.info.id);
      await a.finished;
    }
  }

  private pump(): void {
    if (this.active || this.queue.length === 0) return;
    const job = this.queue.shift() as Running;
    this.active = job;
    job.info.state = 'running';
    // A small young generation: the import's garbage is collected before it adds up (peak RSS budget).
    const kind = job.order.kind;
    const entry = kind === 'import' ? 'job-worker' : kind === 'search' ? 'search-worker' : 'train-worker';
    const worker = spawnWorker(
      entry,
      join(__dirname, `${entry}.ts`),
      { ...job.order, cancelFlag: job.cancelFlag.buffer as SharedArrayBuffer } satisfies JobOrder,
      { maxYoungGenerationSizeMb: 16 },
    );
    job.worker = worker;
    let ended = false;
    worker.on('message', (m: JobMessage) => {
      if (m.type === 'progress') {
        job.info.progress = m.progress;
        this.emit('job/progress', { jobId: job.info.id, kind: job.info.kind, progress: m.progress });
      } else if (m.type === 'done') {
        ended = true;
        const r = m.result as JobInfo['result'] & object;
        const state = 'cancelled' in r ? (r.cancelled ? 'cancelled' : 'done') : r.status;
        this.finish(job, state, r, 'error' in r ? (r.error ?? null) : null);
      } else {
        ended = true;
        this.finish(job, 'failed', null, m.message);
      }
    });
    worker.on('error', (err) => {
      if (!ended) this.finish(job, 'failed', null, err.message);
      ended = true;
    });
    worker.on('exit', (code) => {
      if (!ended) {
        const cancelled = Atomics.load(job.cancelFlag, 0) === 1;
        this.finish(
          job,
          cancelled ? 'cancelled' : 'failed',
          null,
          cancelled ? null : `the job stopped unexpectedly (exit code ${code})`,
        );
      }
      this.active = null;
      this.pump();
    });
  }

  private finish(
    job: Running,
    state: JobInfo['state'],
    result: JobInfo['result'],
    error: string | null,
  ): void {
    if (job.info.finishedAt) return;
    job.info.state = state;
    job.info.result = result;
    job.info.error = error;
    job.info.finishedAt = new Date().toISOString();
    this.emit('job/finished', { ...job.info });
    if (result) this.emit('data/changed', { reason: job.info.kind });
    job.settle({ ...job.info });
    this.forgetOldest();
  }

  /** Drops the oldest finished jobs beyond keepFinished (the map keeps the order jobs started in). */
  private forgetOldest(): void {
    let finished = 0;
    for (const j of this.jobs.values()) if (j.info.finishedAt) finished++;
    for (const [id, j] of this.jobs) {
      if (finished <= this.keepFinished) break;
      if (!j.info.finishedAt) continue;
      this.jobs.delete(id);
      finished--;
    }
  }
}
