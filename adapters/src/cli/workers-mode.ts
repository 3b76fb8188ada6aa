// Whether `run` serves in this process, forks workers, or is itself a worker.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { UsageError } from './args.js';
import { WORKER_SLOT_ENV } from '../workers/worker-supervisor.js';

/** Worker processes to run: `--workers` (a positive integer or `auto`) wins over the config's `workers`. */
export function workerCount(flag: string | undefined, configured: number | 'auto'): number {
  let wanted: number | 'auto' = configured;
  if (flag !== undefined) {
    if (flag !== 'auto' && !/^[1-9]\d{0,3}$/.test(flag)) throw new UsageError(`--workers expects a positive integer or "auto", got "${flag}"`);
    wanted = flag === 'auto' ? 'auto' : Number(flag);
  }
  return wanted === 'auto' ? availableParallelism() : wanted;
}

/** Whether this process is a worker a `run` primary forked. */
export function isWorkerProcess(): boolean {
  return cluster.isWorker && process.env[WORKER_SLOT_ENV] !== undefined;
}
