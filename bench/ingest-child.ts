/**
 * One measured import, run in its own process so its peak RSS is its own: the
 * engine as the CLI uses it (job worker + parse worker). Prints one JSON line.
 */
import { Engine } from '../src-main/engine/engine';

async function main(): Promise<void> {
  const [dbPath, ...paths] = process.argv.slice(2);
  const engine = new Engine({ dbPath, mode: 'cli' });
  const { jobId } = await engine.call('import/start', { paths });
  const job = await engine.jobs.wait(jobId);
  await engine.close();
  if (job.state !== 'done' || !job.result) throw new Error(job.error ?? job.state);
  const r = job.result;
  process.stdout.write(
    `${JSON.stringify({ rows: r.rowsAccepted, rejected: r.rowsRejected, seconds: r.seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
