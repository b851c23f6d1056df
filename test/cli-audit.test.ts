/**
 * `gauntlet audit` from the command line (the built CLI in a child process): the demo (README's
 * main job), exit codes 0 PASS / 1 policy FAIL / 2 error, re-gating a finished audit under another
 * policy with --resume, JUnit output, and clear errors for bad input.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateReport } from '../src/report/schema';
import { DIST_SKIP, runCliProcess } from './support/cli-process';
import { fixturePath } from './support/fixtures';

const MODEL = fixturePath('models/cnn.onnx');
const DATA = fixturePath('data/mnist-eval.npz');
const NHWC = fixturePath('data/mnist-eval-nhwc.npz');
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-audit-'));
const d = DIST_SKIP ? describe.skip : describe;
if (DIST_SKIP) console.warn(`skipping CLI process tests: ${DIST_SKIP}`);

d('gauntlet audit', () => {
  it('--demo audits the bundled CNN and prints the verdict (README main job)', async () => {
    const out = join(dir, 'demo');
    const r = await runCliProcess(['audit', '--demo', '--out', out]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/VERDICT {3}(PASS|FAIL) \(policy default\)/);
    expect(r.code).toBe(r.out.includes('VERDICT   PASS') ? 0 : 1);
    const report = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report).toMatchObject({ threat: { norm: 'linf', eps: 0.1 }, battery: { id: 'gauntlet-std-2', preset: 'quick' }, data: { n: 500 } });
    expect(report.integrity?.reference.name).toBe('bundled:mnist');
    expect(report.robustAccuracy).toBeGreaterThan(0.2);
    expect(report.robustAccuracy).toBeLessThan(report.cleanAccuracy);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<testsuite name="gauntlet-audit"/);
    // The signed forms: the attestation verifies with the key copied into --out, against the model and data files.
    expect(readFileSync(join(out, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const v = await runCliProcess(['verify', join(out, 'report.intoto.jsonl'), '--key', join(out, 'signing-key.pub.pem'), '--model', fixturePath('models/cnn.onnx'), '--data', DATA]);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    const pdf = await runCliProcess(['verify', join(out, 'report.pdf'), '--key', join(out, 'signing-key.pub.pem')]);
    expect(pdf.code).toBe(0);
  }, 900_000);

  it('exit 1 when the policy fails, with the reasons; --resume re-gates a finished audit without attacking again', async () => {
    const out = join(dir, 'gate');
    const base = ['audit', MODEL, '--data', DATA, '--n', '20', '--eps', '0.1', '--preset', 'quick', '--out', out];
    const first = await runCliProcess(base);
    expect(first.err).toBe('');
    expect([0, 1]).toContain(first.code);
    const t1 = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));

    const strict = join(dir, 'strict.json');
    writeFileSync(strict, JSON.stringify({ minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.99 }], minCleanAccuracy: 0.5 }));
    const failed = await runCliProcess([...base, '--resume', '--policy', strict]);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/VERDICT {3}FAIL \(policy strict\.json\)/);
    expect(failed.out).toMatch(/✗ robust accuracy .* at linf ε=0\.1 is below the required 99\.0%/);
    const t2 = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(t2.resumed).toBe(1);
    expect(t2.robustAccuracy).toBe(t1.robustAccuracy);
    expect(t2.stages.map((s) => s.seconds)).toEqual(t1.stages.map((s) => s.seconds)); // replayed, not re-run
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<failure message="robust accuracy/);

    const lenient = join(dir, 'lenient.yaml');
    writeFileSync(lenient, 'minRobustAccuracy:\n  - { norm: linf, eps: 0.1, min: 0.01 }\nfailOnFlags: []\n');
    const passed = await runCliProcess([...base, '--resume', '--policy', lenient]);
    expect(passed.code).toBe(0);
    expect(passed.out).toMatch(/VERDICT {3}PASS/);
  }, 600_000);

  it.each([
    [['audit'], /missing MODEL/],
    [['audit', MODEL, '--demo', '--out', dir], /either MODEL or --demo/],
    [['audit', MODEL, '--data', DATA, '--out', dir], /missing --eps/],
    [['audit', MODEL, '--data', DATA, '--eps', '0.1'], /missing --out/],
    [['audit', MODEL, '--data', DATA, '--eps', '-1', '--out', dir], /expected a finite number > 0/],
    [['audit', MODEL, '--data', DATA, '--eps', '0.1', '--preset', 'fast', '--out', dir], /expected one of quick, standard, thorough/],
    [['audit', MODEL, '--data', NHWC, '--eps', '0.1', '--out', dir], /samples are \[28, 28, 1\] but the model takes \[1, 28, 28\]/],
    [['audit', fixturePath('nope.onnx'), '--data', DATA, '--eps', '0.1', '--out', dir], /nope\.onnx/],
    [['audit', MODEL, '--data', DATA, '--eps', '0.1', '--out', dir, '--reference', 'imagenet'], /reference set 'imagenet' is neither a bundled set \(bundled: mnist\) nor a file/],
  ])('exit 2 with a clear message: %j', async (args, message) => {
    const r = await runCliProcess(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);

  it('a malformed policy is refused before any work, naming the file and the problem', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'minRobustAccuracy:\n  - { norm: linf, eps: 0.1, min: high }\nmaxGap: 3\n');
    const r = await runCliProcess(['audit', MODEL, '--data', DATA, '--eps', '0.1', '--out', join(dir, 'bad'), '--policy', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml/);
    expect(r.err).toMatch(/maxGap/);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('--resume refuses a checkpoint made for another audit', async () => {
    const out = join(dir, 'gate'); // written by the test above with eps 0.1, n 20
    const r = await runCliProcess(['audit', MODEL, '--data', DATA, '--n', '20', '--eps', '0.2', '--preset', 'quick', '--out', out, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot resume: .*\(differs in threat\)/);
  }, 60_000);
});
