/** Runs the gauntlet CLI in-process, capturing stdout, stderr and the exit code. */
import { main } from '../../src/cli/main';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
