/**
 * Resumable audits: an audit killed (SIGKILL, no chance to clean up) in the middle of its battery
 * and resumed with --resume produces the same report figures as an uninterrupted run, without
 * redoing the units it had finished.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report, validateReport } from '../src/schema/report';
import { DIST_SKIP, runCliProcess, startCli, withoutProgress } from './support/cli-process';
import { fixturePath } from './support/fixtures';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-resume-'));
const args = (out: string) => [
  'audit', fixturePath('models/cnn.onnx'), '--data', fixturePath('data/mnist-eval.npz'), '--n', '40', '--eps', '0.1',
  '--preset', 'quick', '--seed', '3', '--chunk', '10', '--threads', '2', '--out', out,
];
const d = DIST_SKIP ? describe.skip : describe;

/** The figures of a report: everything but timings, dates and the resume count. */
function figures(r: Report): unknown {
  const { createdAt: _c, timings: _t, resumed: _r, environment: _e, ...rest } = r;
  return JSON.parse(JSON.stringify({
    ...rest,
    stages: r.stages.map(({ seconds: _s, ...s }) => s),
    hypocritical: r.hypocritical && { ...r.hypocritical, seconds: 0 },
  }));
}

function battery(path: string): number {
  if (!existsSync(path)) return 0;
  try {
    return Object.keys(JSON.parse(readFileSync(path, 'utf8')).units).filter((k) => k.startsWith('battery/')).length;
  } catch {
    return 0; // being renamed into place
  }
}

d('kill an audit mid-run, resume it', () => {
  it('same report figures as an uninterrupted run; finished units are not redone', async () => {
    const whole = join(dir, 'whole');
    const a = await runCliProcess(args(whole));
    expect([0, 1]).toContain(a.code);
    const uninterrupted = validateReport(JSON.parse(readFileSync(join(whole, 'report.json'), 'utf8')));

    const cut = join(dir, 'cut');
    const ckpt = join(cut, 'checkpoint.json');
    const run = startCli(args(cut));
    // 5 quick stages × 4 chunks = 20 battery units (+4 convergence): kill after 6.
    let killedAt = 0;
    while (run.child.exitCode === null) {
      killedAt = battery(ckpt);
      if (killedAt >= 6) { run.child.kill('SIGKILL'); break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(cut, 'report.json'))).toBe(false);
    const saved = battery(ckpt);
    expect(saved).toBeGreaterThanOrEqual(6);
    expect(saved).toBeLessThan(24);
    const before = JSON.parse(readFileSync(ckpt, 'utf8')).units as Record<string, unknown>;

    const b = await runCliProcess([...args(cut), '--resume']);
    expect(withoutProgress(b.err)).toBe('');
    expect(b.code).toBe(a.code);
    const resumed = validateReport(JSON.parse(readFileSync(join(cut, 'report.json'), 'utf8')));
    expect(resumed.resumed).toBe(1);
    expect(figures(resumed)).toEqual(figures(uninterrupted));
    // Finished units were replayed, not redone: each keeps the exact result, measured seconds included
    // (a recomputed unit would carry a new nanosecond timing).
    const after = JSON.parse(readFileSync(ckpt, 'utf8')).units as Record<string, unknown>;
    for (const [id, unit] of Object.entries(before)) expect({ id, unit: after[id] }).toEqual({ id, unit });
    expect(Object.keys(after).filter((k) => k.startsWith('battery/')).length).toBe(24);
  }, 600_000);
});
