/**
 * `gauntlet worker --queue redis://… [--concurrency N] [--name NAME]`: a worker of the distributed
 * audit service (src/jobs/redis-worker.ts). It runs audit shards and finishes from the BullMQ queue
 * that `gauntlet serve --queue redis://…` fills, reading uploads from and writing results to
 * GAUNTLET_HOME, which every node shares (docs/distributed.md). SIGTERM/SIGINT stop it; its running
 * jobs are taken over by other workers and resume from their checkpoints.
 */
import { Command } from 'commander';
import { loadServiceConfig } from '../config/service';
import { startRedisWorker } from '../jobs/redis-worker';
import { logMemoryEnforcement } from '../jobs/resource-limits';
import { redisLabel } from '../jobs/redis-queue';
import { createLogger } from '../logging/logger';
import { UsageError } from '../errors';
import { positiveInt } from './options';

export interface WorkerOptions { queue?: string; concurrency?: number; name?: string }

export function workerCommand(done: (code: number) => void): Command {
  return new Command('worker')
    .description('run audit jobs from a redis queue (distributed service; GAUNTLET_HOME shared with the API node)')
    .option('--queue <url>', 'redis://host:port of the queue (default GAUNTLET_QUEUE)')
    .option('--concurrency <n>', 'jobs run at once (default GAUNTLET_CONCURRENCY or 1)', positiveInt)
    .option('--name <name>', 'worker name in logs (default host:pid)')
    .action(async (o: WorkerOptions) => {
      const config = loadServiceConfig();
      const queue = o.queue ?? config.queue;
      if (!/^rediss?:\/\//.test(queue)) throw new UsageError(`a worker needs a redis queue: give --queue redis://host:port or set GAUNTLET_QUEUE (got '${queue}')`);
      const logger = createLogger(config.logLevel);
      logMemoryEnforcement(logger);
      process.umask(0o077); // job outputs under the shared GAUNTLET_HOME: owner only
      const worker = await startRedisWorker({
        url: queue, home: config.home, concurrency: o.concurrency ?? config.concurrency, timeoutMs: config.jobTimeoutMs, memoryMb: config.resources?.jobMemoryMb,
        threads: config.threads, logger, name: o.name,
      });
      process.stderr.write(`gauntlet: worker ${worker.name} on ${redisLabel(queue)} (GAUNTLET_HOME ${config.home})\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          logger.info('shutting down', { signal: sig, active: worker.active });
          void worker.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      done(0);
    });
}
