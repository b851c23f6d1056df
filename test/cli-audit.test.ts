/**
 * `gauntlet audit` from the command line (the built CLI in a child process): the demo (README's
 * main job) with its progress lines through a pipe, exit codes 0 PASS or UNGATED / 1 policy FAIL / 2 error /
 * 130 interrupted, Ctrl-C then --resume, re-gating a finished audit under another policy with
 * --resume, ε as a fraction, ignored data arrays, JUnit output, and clear errors for bad input.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateReport } from '../src/schema/report';
import { readNpz, writeNpz } from '../src/data';
import { DIST_SKIP, runCliProcess, startCli, withoutProgress } from './support/cli-process';
import { fixturePath } from './support/fixtures';
import { nanOnNegative, twoOutputs } from './support/door-models';

const MODEL = fixturePath('models/cnn.onnx');
const DATA = fixturePath('data/mnist-eval.npz');
const NHWC = fixturePath('data/mnist-eval-nhwc.npz');
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-audit-'));
/** The bundled evaluation set plus an array an evaluation set does not use. */
const EXTRA = join(dir, 'mnist-extra.npz');
writeFileSync(EXTRA, writeNpz({ ...Object.fromEntries(readNpz(readFileSync(DATA))), names: { dtype: 'uint8', shape: [3], data: Uint8Array.from([1, 2, 3]) } }));

/** A plain progress line (stderr on a pipe). */
const PROGRESS_LINE = /^\[gauntlet\] (clean|probe|battery|sweep|minimal-norms|full-box|hypocritical|integrity|certification|report) \d{1,3}% overall, elapsed (\d+h)?(\d+m)?\d+s, ETA (unknown|(\d+h)?(\d+m)?\d+s) — \S/;
/** Seconds in a printed duration such as 1m05s. */
const seconds = (d: string) => [...d.matchAll(/(\d+)([hms])/g)].reduce((s, [, v, u]) => s + Number(v) * (u === 'h' ? 3600 : u === 'm' ? 60 : 1), 0);
const d = DIST_SKIP ? describe.skip : describe;
if (DIST_SKIP) console.warn(`skipping CLI process tests: ${DIST_SKIP}`);

d('gauntlet audit', () => {
  it('--demo audits the bundled CNN and prints the verdict (README main job)', async () => {
    const out = join(dir, 'demo');
    const r = await runCliProcess(['audit', '--demo', '--out', out]);
    // stderr is a pipe: only plain progress lines, the first at once, then every 10–30 s (by their elapsed times).
    expect(withoutProgress(r.err)).toBe('');
    const lines = r.err.split('\n').filter((l) => l.length > 0);
    for (const l of lines) expect(l).toMatch(PROGRESS_LINE);
    const elapsed = lines.map((l) => seconds(/elapsed (\S+),/.exec(l)![1]));
    expect(elapsed[0]).toBeLessThanOrEqual(5);
    for (let i = 1; i < elapsed.length; i++) {
      expect(elapsed[i] - elapsed[i - 1]).toBeGreaterThanOrEqual(9); // ≥ 10 s apart, printed rounded
      expect(elapsed[i] - elapsed[i - 1]).toBeLessThanOrEqual(31); // ≤ 30 s apart
    }
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // No requirement stated: never PASS (UNGATED, or FAIL on a reliability flag).
    expect(r.out).toMatch(/VERDICT {3}(UNGATED|FAIL) \(policy default\)/);
    expect(r.code).toBe(r.out.includes('VERDICT   UNGATED') ? 0 : 1);
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
    // ε written as a fraction; the data file carries an array an evaluation set does not use.
    const base = ['audit', MODEL, '--data', EXTRA, '--n', '20', '--eps', '1/10', '--preset', 'quick', '--out', out];
    const first = await runCliProcess(base);
    expect(withoutProgress(first.err)).toBe('note: ignored arrays in mnist-extra.npz: names (an evaluation set uses x, y, lower, upper, target)\n');
    expect([0, 1]).toContain(first.code);
    const t1 = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(t1.threat).toEqual({ norm: 'linf', eps: 0.1, epsExact: '1/10' });
    expect(t1.data.ignoredArrays).toEqual(['names']);

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
    [['audit', MODEL, '--data', DATA, '--eps', '-1', '--out', dir], /eps '-1' is not a number > 0 .*8\/255.*must be > 0/],
    [['audit', MODEL, '--data', DATA, '--eps', '8/0', '--out', dir], /eps '8\/0' divides by zero/],
    [['audit', MODEL, '--data', DATA, '--eps', 'abc', '--out', dir], /eps 'abc' is not a number > 0 \(0\.03\) or an exact fraction a\/b \(8\/255\)/],
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

  it('when a run fails before writing anything then an --out folder it created is removed, and an existing one is kept', async () => {
    const fresh = join(dir, 'fresh', 'deeper');
    const r = await runCliProcess(['audit', fixturePath('nope.onnx'), '--data', DATA, '--eps', '0.1', '--out', fresh]);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
    const existing = join(dir, 'existing');
    mkdirSync(existing);
    const again = await runCliProcess(['audit', fixturePath('nope.onnx'), '--data', DATA, '--eps', '0.1', '--out', existing]);
    expect(again.code).toBe(2);
    expect(existsSync(existing)).toBe(true);
  }, 60_000);

  it('when interrupted with Ctrl-C (SIGINT) then it exits 130 with a resumable checkpoint, and --resume finishes the audit', async () => {
    const out = join(dir, 'interrupted');
    const args = ['audit', '--demo', '--n', '60', '--chunk', '20', '--out', out, '--no-sign'];
    const run = startCli(args);
    const t0 = Date.now();
    // The checkpoint file appears once the first unit (clean predictions) is saved: interrupt then, long
    // before the audit can finish (waiting for a progress line raced a fast machine: lines come ≥ 10 s apart).
    while (!existsSync(join(out, 'checkpoint.json')) && Date.now() - t0 < 60_000 && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    expect(stopped.err).toMatch(/audit interrupted; finished work is saved in .*checkpoint\.json — rerun the same command with --resume to continue/);
    expect(stopped.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
    expect(existsSync(join(out, 'report.json'))).toBe(false);

    const resumed = await runCliProcess([...args, '--resume']);
    expect(withoutProgress(resumed.err)).toBe('');
    expect([0, 1]).toContain(resumed.code);
    const report = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.resumed).toBeGreaterThanOrEqual(1);
    // After success the checkpoint stays (what --resume --policy re-gates from); no temporary files remain.
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint'))).toEqual(['checkpoint.json']);
  }, 300_000);

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
    const r = await runCliProcess(['audit', MODEL, '--data', EXTRA, '--n', '20', '--eps', '0.2', '--preset', 'quick', '--out', out, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot resume: .*\(differs in threat\)/);
  }, 60_000);

  it('when the audit errors (NaN logits on sample 17) then exit 2, a junit.xml with an <error> case and no report.json (a CI shows red)', async () => {
    const D = 4, n = 20;
    const x = new Float32Array(n * D).fill(0.5);
    x[17 * D + 1] = -0.5;
    const model = join(dir, 'nan.onnx'), data = join(dir, 'nan.npz'), out = join(dir, 'errored');
    writeFileSync(model, nanOnNegative(3, D));
    writeFileSync(data, writeNpz({
      x: { dtype: 'float32', shape: [n, D], data: x }, y: { dtype: 'int64', shape: [n], data: new BigInt64Array(n) },
      lower: { dtype: 'float32', shape: [n, D], data: new Float32Array(n * D).fill(-1) },
      upper: { dtype: 'float32', shape: [n, D], data: new Float32Array(n * D).fill(1) },
    }));
    const r = await runCliProcess(['audit', model, '--data', data, '--eps', '0.1', '--preset', 'quick', '--out', out, '--no-sign']);
    expect(r.code).toBe(2);
    expect(withoutProgress(r.err)).toMatch(/the model's logits are NaN for sample 17 \(class 0\)/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="gauntlet-audit" tests="1" failures="0" errors="1"/);
    expect(junit).toMatch(/<error message="the model&apos;s logits are NaN for sample 17 \(class 0\)[^"]*" type="invalid_model">/);
  }, 120_000);

  it('a model with two outputs needs --logits NAME; with it, that output is audited', async () => {
    const model = join(dir, 'two.onnx'), data = join(dir, 'two.npz');
    writeFileSync(model, twoOutputs());
    writeFileSync(data, writeNpz({ x: { dtype: 'float32', shape: [6, 4], data: new Float32Array(24).map((_, i) => (i % 7) / 7) }, y: { dtype: 'int64', shape: [6], data: new BigInt64Array(6) } }));
    const args = ['audit', model, '--data', data, '--eps', '0.05', '--preset', 'quick'];
    const refused = await runCliProcess([...args, '--out', join(dir, 'two-refused')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/the model has 2 outputs \('features' \[N, 4\], 'scores' \[N, 3\]\); name the one that holds the class scores \(job config "output", CLI --logits NAME\)/);
    const out = join(dir, 'two');
    const ok = await runCliProcess([...args, '--out', out, '--logits', 'scores']);
    expect(withoutProgress(ok.err)).toBe('');
    expect([0, 1]).toContain(ok.code);
    const report = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.model).toMatchObject({ numClasses: 3, output: 'scores', inputShape: [4] });
    // The signed report names the output, so a re-check loads the same one.
    const v = await runCliProcess(['verify', join(out, 'report.intoto.jsonl'), '--key', join(out, 'signing-key.pub.pem'), '--model', model, '--data', data, '--recheck', '--json']);
    expect(v.err).toBe('');
    expect(JSON.parse(v.out)).toMatchObject({ valid: true, recheck: { adversarial: { ok: true }, figures: { n: 6, failures: [] } } });
    expect(v.code).toBe(0);
  }, 180_000);
});
