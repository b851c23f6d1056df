/**
 * `gauntlet serve [--port P] [--host H] [--queue local|redis://…] [--concurrency N]`: the HTTP
 * audit service (src/server). Configuration comes from the environment (src/config/service.ts);
 * flags override it. State lives under GAUNTLET_HOME (default ~/.gauntlet). With a redis:// queue
 * the audits run on `gauntlet worker` processes (docs/distributed.md).
 */
import { Command } from 'commander';
import { loadServiceConfig, ServiceConfig } from '../config/service';
import { startService } from '../server/start';
import { RedisRunner } from '../jobs/redis-runner';
import { redisLabel } from '../jobs/redis-queue';
import { nonNegativeInt, positiveInt } from './options';
import { UsageError } from '../errors';

export interface ServeOptions { port?: number; host?: string; queue?: string; concurrency?: number }

/** The service configuration from the environment and the flags. */
export function serveConfig(o: ServeOptions, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const c = loadServiceConfig(env);
  if (o.queue !== undefined && o.queue !== 'local' && !/^rediss?:\/\//.test(o.queue)) throw new UsageError(`--queue: expected 'local' or a redis:// URL, got '${o.queue}'`);
  return { ...c, port: o.port ?? c.port, host: o.host ?? c.host, queue: o.queue ?? c.queue, concurrency: o.concurrency ?? c.concurrency };
}

export function serveCommand(done: (code: number) => void): Command {
  return new Command('serve')
    .description('run the HTTP audit service (state under GAUNTLET_HOME, default ~/.gauntlet)')
    .option('--port <port>', 'TCP port (default GAUNTLET_PORT or 8080; 0 picks a free one)', nonNegativeInt)
    .option('--host <address>', 'address to bind (default GAUNTLET_HOST or 127.0.0.1)')
    .option('--queue <url>', "'local' (default: SQLite + child processes) or redis://host:port for BullMQ workers")
    .option('--concurrency <n>', 'audits run at once on this host (default GAUNTLET_CONCURRENCY or 1)', positiveInt)
    .action(async (o: ServeOptions) => {
      const config = serveConfig(o);
      const redis = config.queue === 'local' ? null : config.queue;
      const svc = await startService(config, redis ? { runner: ({ store, logger }) => new RedisRunner({ url: redis, store, logger }) } : {});
      process.stderr.write(`gauntlet: serving on http://${config.host}:${svc.port} (GAUNTLET_HOME ${config.home}${redis ? `, queue ${redisLabel(redis)}` : ''})\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          svc.logger.info('shutting down', { signal: sig });
          void svc.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      done(0);
    });
}
