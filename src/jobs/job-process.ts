/**
 * Entry of a job process: runs one audit (src/audit/from-files.ts) outside the service's event
 * loop, reporting over IPC. Messages in: { type: 'run', spec }. Messages out: progress, then
 * exactly one of done / failed. The process exits when its parent goes away (the IPC channel
 * closes), so a killed server leaves no orphan audits behind; the checkpoint keeps the work.
 */
import { auditFromFiles, AuditFilesSpec } from '../audit/from-files';
import { GauntletError } from '../errors';
import { ProgressTracker } from './progress';
import type { JobProgress, JobResult } from './spec';

/** Messages a job process sends. */
export type JobProcessMessage =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'warning'; message: string }
  | { type: 'done'; result: JobResult }
  | { type: 'failed'; error: { code: string; title: string; detail: string } };

/** Messages a job process receives. */
export type JobProcessCommand = { type: 'run'; spec: AuditFilesSpec };

const send = (m: JobProcessMessage) => new Promise<void>((resolve) => {
  if (!process.send || !process.connected) { resolve(); return; }
  process.send(m, undefined, {}, () => resolve());
});

async function run(spec: AuditFilesSpec): Promise<void> {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  const tracker = new ProgressTracker();
  let lastSent = 0;
  let lastPhase = '';
  try {
    const r = await auditFromFiles(spec, {
      signal: controller.signal,
      onProgress: (p) => {
        const progress = tracker.update(p);
        const t = Date.now();
        if (t - lastSent < 250 && p.phase === lastPhase) return;
        lastSent = t;
        lastPhase = p.phase;
        void send({ type: 'progress', progress });
      },
      onWarning: (message) => void send({ type: 'warning', message }),
    });
    const rep = r.report;
    await send({
      type: 'done',
      result: { verdict: rep.gate!.verdict, cleanAccuracy: rep.cleanAccuracy, robustAccuracy: rep.robustAccuracy, flags: rep.flags, files: r.files.map((f) => f.split(/[\\/]/).pop()!) },
    });
    process.exit(0);
  } catch (e) {
    const g = e instanceof GauntletError;
    await send({ type: 'failed', error: { code: g ? e.code : 'internal', title: g ? 'Audit failed' : 'Internal error', detail: (e as Error)?.message ?? String(e) } });
    process.exit(1);
  }
}

process.on('disconnect', () => process.exit(3));
process.on('message', (m: JobProcessCommand) => {
  if (m?.type === 'run') void run(m.spec);
});
