/**
 * `gauntlet` command line. Commands are thin: each parses its options and calls library
 * use cases. Exit codes: 0 success, 1 a check/policy failed, 2 error or bad usage.
 */
import { Command, CommanderError } from 'commander';
import { GauntletError } from '../errors';
import { predictCommand } from './predict';
import { gradCommand } from './grad';
import { attackCommand } from './attack';
import { certifyCommand } from './certify';
import { auditCommand } from './audit';
import { keyCommand } from './key';
import { verifyCommand } from './verify';
import { serveCommand } from './serve';
import { apikeyCommand } from './apikey';
import { workerCommand } from './worker';
import { adminCommand } from './admin';
import { GAUNTLET_VERSION } from '../version';

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_ERROR = 2;

/** Writes an error's message to stderr (the stack only with GAUNTLET_DEBUG=1); returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof GauntletError && e.operational) process.stderr.write(`gauntlet: ${e.message}\n`);
  else process.stderr.write(`gauntlet: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  if (process.env.GAUNTLET_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return EXIT_ERROR;
}

/** Runs the CLI with argv (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const done = (c: number) => { code = c; };
  const program = new Command('gauntlet')
    .description('Adversarial-robustness audits of ONNX image classifiers')
    .version(GAUNTLET_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(predictCommand(done))
    .addCommand(gradCommand(done))
    .addCommand(attackCommand(done))
    .addCommand(certifyCommand(done))
    .addCommand(auditCommand(done))
    .addCommand(keyCommand(done))
    .addCommand(verifyCommand(done))
    .addCommand(serveCommand(done))
    .addCommand(apikeyCommand(done))
    .addCommand(workerCommand(done))
    .addCommand(adminCommand(done));
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_ERROR;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_ERROR; // help/version: 0; usage: 2
    return reportError(e);
  }
}
