/**
 * The gate a pipeline trusts (issue 11), from the command line: `audit --demo --eps 0.3` (robust
 * accuracy 0 %) is UNGATED with exit 0 when no requirement is stated; each policy shortcut then
 * re-gates the finished audit (--resume, no new attacks) — FAIL with exit 1 naming the figure and
 * its interval — and `--confidence` fails a figure above its threshold whose interval bound is not.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report, validateReport } from '../src/schema/report';
import { DIST_SKIP, runCliProcess } from './support/cli-process';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-gate-'));
const out = join(dir, 'demo-0.3');
const base = ['audit', '--demo', '--eps', '0.3', '--no-sign', '--out', out];
const d = DIST_SKIP ? describe.skip : describe;
const report = (): Report => validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));

d('the gate: UNGATED without a requirement, shortcuts and confidence', () => {
  let first: Report;

  beforeAll(async () => {
    const r = await runCliProcess(base);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/VERDICT {3}UNGATED \(policy default\)/);
    expect(r.out).toMatch(/--min-robust-accuracy/); // says how to state a requirement
    first = report();
  }, 900_000);

  it('a model with no robustness is not PASS without a requirement: UNGATED, exit 0, every figure with its interval', () => {
    expect(first.robustAccuracy).toBe(0);
    expect(first.gate).toMatchObject({ verdict: 'UNGATED', confidence: null, policy: { name: 'default' } });
    expect(first.gate!.note).toMatch(/--min-robust-accuracy/);
    expect(first.robustAccuracyInterval).toMatchObject({ k: 0, n: 500, lower: 0 });
    expect(first.robustAccuracyInterval.upper).toBeCloseTo(1 - 0.025 ** (1 / 500), 12);
    expect(first.cleanAccuracyInterval.k).toBe(Math.round(first.cleanAccuracy * 500));
    for (const s of first.stages) expect(s.robustAccuracyAfterInterval.n).toBe(500);
    for (const p of first.sweep.points) expect(p.robustAccuracyInterval.k).toBe(Math.round(p.robustAccuracy * 500));
  });

  it('--min-robust-accuracy 0.5 → FAIL, exit 1, the reason names the figure and the interval', async () => {
    const r = await runCliProcess([...base, '--resume', '--min-robust-accuracy', '0.5']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/VERDICT {3}FAIL \(policy command line\)/);
    expect(r.out).toContain('✗ robust accuracy 0.0% at linf ε=0.3 is below the required 50.0% (95% CI 0.0%–0.7%, 0 of 500 points)');
    const g = report();
    expect(g.resumed).toBe(1); // re-gated, not re-attacked
    expect(g.gate!.rules.find((x) => x.rule === 'minRobustAccuracy[linf,0.3]')).toMatchObject({ passed: false, measured: 0, threshold: 0.5, compared: 'estimate' });
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<failure message="robust accuracy 0\.0% at linf ε=0\.3 is below the required 50\.0% \(95% CI/);
  }, 300_000);

  it('--min-robust-accuracy 0 → PASS (a requirement was stated and holds), exit 0', async () => {
    const r = await runCliProcess([...base, '--resume', '--min-robust-accuracy', '0']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/VERDICT {3}PASS \(policy command line\)/);
  }, 300_000);

  it('--min-clean-accuracy: above the threshold passes; with --confidence 0.95 the lower bound below it fails', async () => {
    const clean = first.cleanAccuracyInterval;
    const threshold = Number(((first.cleanAccuracy + clean.lower) / 2).toFixed(3)); // between the bound and the figure
    const ok = await runCliProcess([...base, '--resume', '--min-clean-accuracy', String(threshold)]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/VERDICT {3}PASS/);
    const strict = await runCliProcess([...base, '--resume', '--min-clean-accuracy', String(threshold), '--confidence', '0.95']);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/VERDICT {3}FAIL \(policy command line, thresholds on 95% interval bounds\)/);
    expect(strict.out).toMatch(/✗ clean accuracy [\d.]+%: the lower bound of its 95% CI, [\d.]+% \(\d+ of 500 points\), is below the required/);
    expect(report().gate).toMatchObject({ verdict: 'FAIL', confidence: 0.95 });
  }, 300_000);

  it('--max-hypocritical-risk: within it as measured; with --confidence the upper bound exceeds it', async () => {
    const h = first.hypocritical!;
    const threshold = Number(((h.risk + h.riskInterval.upper) / 2).toFixed(4));
    const ok = await runCliProcess([...base, '--resume', '--max-hypocritical-risk', String(threshold)]);
    expect(ok.code).toBe(0);
    const strict = await runCliProcess([...base, '--resume', '--max-hypocritical-risk', String(threshold), '--confidence', '0.95']);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/✗ hypocritical risk [\d.]+% at ε=0\.3: the upper bound of its 95% CI, [\d.]+% \(\d+ of 500 points\), exceeds the allowed/);
  }, 300_000);

  it.each([
    [['--min-robust-accuracy', '50'], /expected a fraction in \[0, 1\]/],
    [['--min-clean-accuracy', 'high'], /expected a fraction in \[0, 1\]/],
    [['--confidence', '95'], /expected a confidence level in \(0, 1\)/],
  ])('bad shortcut values are usage errors (exit 2): %j', async (args, message) => {
    const r = await runCliProcess([...base, ...(args as string[])]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
  }, 60_000);
});
