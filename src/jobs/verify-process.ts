/**
 * Entry of the verifying child process (started by verify.ts with `fork`): receives one VerifyJob
 * on IPC, runs verifyFile (read, hash, parse, check signatures) under the display names it was
 * given, sends one VerifyReply and exits. Errors travel without their stack (it names source paths).
 */
import { createPublicKey } from 'node:crypto';
import { GauntletError, UsageError } from '../errors';
import { verifyFile } from '../report/sign/verify';
import { toWire } from '../model/wire';
import { isAllocationFailure } from './resource-limits';
import { VerifyJobSchema, VerifyReply } from './verify';

/** The reply for one job; null when the verifier ran out of memory (the caller then exits with a note on stderr). */
export function verifyReply(message: unknown): VerifyReply | null {
  const parsed = VerifyJobSchema.safeParse(message);
  if (!parsed.success) return { ok: false, error: toWire(new UsageError(`verify-process: malformed job (${parsed.error.issues[0]?.message})`)) };
  const job = parsed.data;
  try {
    const keys = job.keys.map((k) => ({ key: createPublicKey(k.pem), source: k.source }));
    return { ok: true, result: verifyFile(job.file, { keys, model: job.model, data: job.data, names: job.names, policy: job.policy }) };
  } catch (e) {
    // Out of memory under the OS cap: end without a reply, so that the parent reports the memory limit.
    if (isAllocationFailure(String((e as Error)?.message))) return null;
    const wire = toWire(e);
    delete wire.stack;
    if (!(e instanceof GauntletError && e.operational)) wire.message = `${(e as Error)?.name ?? 'Error'} in the verifier`;
    return { ok: false, error: wire };
  }
}

if (require.main === module) {
  if (!process.send) {
    process.stderr.write('verify-process is started by src/jobs/verify.ts (fork with an IPC channel)\n');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(0));
  process.once('message', (m) => {
    const reply = verifyReply(m);
    if (reply === null) {
      process.stderr.write('verify-process: Array buffer allocation failed\n');
      process.exit(1);
    }
    process.send!(reply, () => process.exit(0));
  });
}
