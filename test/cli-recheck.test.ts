/**
 * `gauntlet verify --recheck` end to end through the built CLI: a real audit (fixture CNN, 20
 * MNIST points, quick preset), then the recheck confirms every claimed break and its bound equals
 * the report's robust accuracy (the CNN is deterministic). Tampering fails with exit 1: a changed
 * adversarial.npz (not re-signed), a swapped data file, and a re-signed false claim (the signer
 * lying: the signature is fine, the recheck is not). Bad arguments exit 2.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEvalSet, readNpz, saveEvalSet, writeNpz } from '../src/data';
import { validateReport } from '../src/schema/report';
import { attestReport, fileSubject, loadOrCreateSigningKey } from '../src/report/sign';
import { DIST_SKIP, runCliProcess, TEST_KEY_DIR, withoutProgress } from './support/cli-process';
import { fixturePath } from './support/fixtures';

const MODEL = fixturePath('models/cnn.onnx');
const DATA = fixturePath('data/mnist-eval.npz');
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-recheck-'));
const out = join(dir, 'audit');
const d = DIST_SKIP ? describe.skip : describe;
if (DIST_SKIP) console.warn(`skipping CLI process tests: ${DIST_SKIP}`);

/** A copy of the audit folder's envelope and key in `name`/, with `adversarial` as its adversarial.npz. */
function copyWith(name: string, adversarial: Uint8Array, jsonl?: string): string {
  const sub = join(dir, name);
  mkdirSync(sub);
  if (jsonl === undefined) copyFileSync(join(out, 'report.intoto.jsonl'), join(sub, 'report.intoto.jsonl'));
  else writeFileSync(join(sub, 'report.intoto.jsonl'), jsonl);
  writeFileSync(join(sub, 'adversarial.npz'), adversarial);
  return join(sub, 'report.intoto.jsonl');
}
const verify = (envelope: string, ...extra: string[]) => runCliProcess(['verify', envelope, '--key', join(out, 'signing-key.pub.pem'), ...extra]);

d('gauntlet verify --recheck', () => {
  let robustAccuracy: number;
  beforeAll(async () => {
    const r = await runCliProcess(['audit', MODEL, '--data', DATA, '--n', '20', '--eps', '0.1', '--preset', 'quick', '--out', out]);
    expect(withoutProgress(r.err)).toBe('');
    expect([0, 1]).toContain(r.code);
    robustAccuracy = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).robustAccuracy;
  }, 120_000);

  it('confirms every claimed break; the re-checkable bound equals the report\'s robust accuracy (exit 0)', async () => {
    const k = readNpz(readFileSync(join(out, 'adversarial.npz'))).get('index')!.shape[0];
    expect(k).toBeGreaterThan(0); // otherwise there is nothing to confirm

    const json = await verify(join(out, 'report.intoto.jsonl'), '--model', MODEL, '--data', DATA, '--recheck', '--json');
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out);
    expect(r).toMatchObject({ valid: true, recheck: { adversarial: { ok: true }, figures: { n: 20, claimed: k, confirmed: k, failures: [], draws: 1 } } });
    expect(r.recheck.figures.robustAccuracyBound).toBe(robustAccuracy);

    const text = await verify(join(out, 'report.intoto.jsonl'), '--model', MODEL, '--data', DATA, '--recheck');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^VALID /);
    expect(text.out).toMatch(/examples  .*adversarial\.npz: matches the signed digest/);
    expect(text.out).toContain(`recheck   confirmed ${k} of ${k} claimed breaks (fresh forward passes on the first 20 points of mnist-eval.npz, linf ε=0.1)`);
    const pct = `${(100 * robustAccuracy).toFixed(1)}%`;
    expect(text.out).toContain(`recheck   robust accuracy ≤ ${pct} (${Math.round(robustAccuracy * 20)}/20, the re-checkable upper bound); report ${pct}`);
  }, 60_000);

  it('a tampered adversarial.npz (not re-signed): exit 1, digest mismatch', async () => {
    const bytes = Buffer.from(readFileSync(join(out, 'adversarial.npz')));
    bytes[bytes.length - 100] ^= 1;
    const r = await verify(copyWith('tampered', bytes), '--model', MODEL, '--data', DATA, '--recheck');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^INVALID /);
    expect(r.err).toMatch(/^gauntlet: verification failed: adversarial examples .*tampered\/adversarial\.npz do not match the signed 'adversarial\.npz': its sha256 is [0-9a-f]{64}, the signed digest is [0-9a-f]{64}/);
    expect(r.out).not.toMatch(/recheck   confirmed/);
  }, 60_000);

  it('a swapped data file: exit 1, the data digest does not match', async () => {
    const set = loadEvalSet(DATA);
    set.y[0] = (set.y[0] + 1) % 10;
    const swapped = join(dir, 'swapped.npz');
    saveEvalSet(swapped, set);
    const r = await verify(join(out, 'report.intoto.jsonl'), '--model', MODEL, '--data', swapped, '--recheck');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/verification failed: data .*swapped\.npz does not match the signed data 'mnist-eval\.npz'/);
  }, 60_000);

  it('a re-signed false claim (x_adv replaced by the clean point): the signature verifies, the recheck does not (exit 1)', async () => {
    const arrays = readNpz(readFileSync(join(out, 'adversarial.npz')));
    const xAdv = arrays.get('x_adv')!;
    const i = Number(arrays.get('index')!.data[0]);
    const per = xAdv.data.length / xAdv.shape[0];
    (xAdv.data as Float32Array).set(loadEvalSet(DATA).x.subarray(i * per, (i + 1) * per), 0);
    const lie = writeNpz(Object.fromEntries(arrays));
    const sub = join(dir, 'lie');
    mkdirSync(sub);
    writeFileSync(join(sub, 'adversarial.npz'), lie);
    // The audit's own key (the CLI processes sign with TEST_KEY_DIR) signs the lie.
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: TEST_KEY_DIR } });
    const report = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    const { jsonl } = attestReport(report, key, [fileSubject(join(sub, 'adversarial.npz'))]);
    const r = await verify(copyWith('lie-signed', lie, jsonl), '--model', MODEL, '--data', DATA, '--recheck');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/signature ok/);
    expect(r.out).toMatch(/examples  .*: matches the signed digest/);
    expect(r.out).toContain(`  ✗ example 0, point ${i}: a fresh forward pass classifies it as its label ${report.points.label[i]}`);
    expect(r.err).toMatch(/verification failed: 1 of \d+ claimed adversarial examples not confirmed \(first: example 0/);
  }, 60_000);

  it.each([
    [['--model', MODEL, '--recheck'], /--recheck needs --model M\.onnx and --data D\.npz/],
    [['--model', MODEL, '--data', DATA, '--adversarial', 'x.npz'], /--adversarial is only used with --recheck/],
    [['--model', MODEL, '--data', DATA, '--recheck', '--adversarial', 'nope.npz'], /cannot read nope\.npz: ENOENT/],
  ])('errors exit 2: %j', async (args, message) => {
    const r = await verify(join(out, 'report.intoto.jsonl'), ...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  }, 60_000);

  it('a signed PDF cannot be rechecked (exit 2): it carries only a summary of the report', async () => {
    const r = await verify(join(out, 'report.pdf'), '--model', MODEL, '--data', DATA, '--recheck');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--recheck needs the attestation \(report\.intoto\.jsonl\)/);
  }, 60_000);
});
