/** What the service needs from a job runner, local (child processes) or distributed (BullMQ). */
import type { JobRecord } from './store';

export interface JobRunner {
  /** Starts taking jobs (a local runner first requeues jobs a previous process left running). */
  start(): Promise<void>;
  /** A new job was stored as queued. */
  submit(job: JobRecord): Promise<void>;
  /** Stops the job's work if it runs; resolves once it has stopped. The caller sets the state. */
  cancel(id: string): Promise<void>;
  /** Whether the runner can take work (for /readyz). */
  ready(): Promise<boolean>;
  /** Stops taking jobs; running ones are stopped and stay resumable. */
  stop(): Promise<void>;
}
