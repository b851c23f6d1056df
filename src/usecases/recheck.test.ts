/**
 * recheck: each kind of false claim is caught with its reason, the bound counts only confirmed
 * breaks of clean-correct points, the report's norm is used, randomized models get a majority of
 * 9 fresh draws, and the attestation-level checks (adversarial digest, missing subject, a report
 * claiming more than its evidence) make the verification invalid.
 *
 * Setup: the toy linear model z = x (2 features, 2 classes: class 0 when x0 > x1), box [0, 1],
 * linf ε = 0.15. Every handmade example breaks exactly one rule, by a margin far above float32
 * rounding.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../audit/testing/sample-report';
import type { AdversarialExamples } from '../audit/audit';
import type { LogitsModel } from '../attacks/types';
import { EvalSet, evalSetToNpz, saveEvalSet } from '../data';
import { DataError } from '../errors';
import { linearModel, linearOnnx } from '../attacks/testing/linear-model';
import type { Model } from '../model/model';
import { adversarialNpz } from '../report/artifacts';
import { AdversarialClaims, parseAdversarialNpz, recheckAttestation, recheckClaims } from './recheck';
import type { Report } from '../schema/report';
import { attestReport, fileSubject, loadOrCreateSigningKey } from '../report/sign';
import { sha256File } from '../report/sign/statement';

const LIN = { W: [[1, 0], [0, 1]], b: [0, 0] };
const EPS = 0.15;
// Points (x0, x1) and labels; the last one is clean-misclassified (0.8 > 0.1 → class 0, label 1).
const POINTS = [[0.6, 0.4], [0.3, 0.7], [0.95, 0.9], [0.7, 0.2], [0.45, 0.55], [0.8, 0.1]];
const LABELS = [0, 1, 0, 0, 1, 1];
const data: EvalSet = {
  x: Float32Array.from(POINTS.flat()), xShape: [POINTS.length, 2], y: Int32Array.from(LABELS),
  lower: new Float32Array(2 * POINTS.length), upper: new Float32Array(2 * POINTS.length).fill(1),
  n: POINTS.length, sampleShape: [2],
};

interface Claim { index: number; xAdv: number[]; label?: number }
/** adversarial.npz bytes for the claims, through the audit's own writer. */
function npzOf(claims: Claim[]): Uint8Array {
  const a: AdversarialExamples = {
    index: Int32Array.from(claims, (c) => c.index), xAdv: Float32Array.from(claims.flatMap((c) => c.xAdv)), sampleShape: [2],
    stage: new Int32Array(claims.length), norm: new Float64Array(claims.length), pred: new Int32Array(claims.length),
    label: Int32Array.from(claims, (c) => c.label ?? LABELS[c.index] ?? 0),
  };
  return adversarialNpz(a);
}
const claimsOf = (c: Claim[]): AdversarialClaims => parseAdversarialNpz(npzOf(c));

const VALID: Claim = { index: 0, xAdv: [0.48, 0.52] }; // ‖δ‖∞ 0.12, class 1
const HANDMADE: [string, Claim, string, RegExp][] = [
  ['outside ε', { index: 1, xAdv: [0.7, 0.3] }, 'outside-eps', /‖δ‖∞ = 0\.(4|39999)\d* > ε = 0\.15/],
  ['outside the box', { index: 2, xAdv: [0.92, 1.02] }, 'outside-box', /element 1 is 1\.(02|0199999)\d*, outside the data's box \[0, 1\]/],
  ['not misclassified', { index: 3, xAdv: [0.6, 0.3] }, 'not-misclassified', /a fresh forward pass classifies it as its label 0/],
  ['a wrong label', { index: 4, xAdv: [0.55, 0.45], label: 0 }, 'label-mismatch', /claimed label 0, but the data labels point 4 as 1/],
  ['an index outside the audited points', { index: 6, xAdv: [0.5, 0.5] }, 'index-out-of-range', /index 6 is not one of the 6 audited points/],
  ['a point claimed twice', { index: 0, xAdv: [0.48, 0.52] }, 'duplicate-index', /point 0 is already claimed by example 0/],
];

let model: Model;
beforeAll(async () => { model = await linearModel(LIN); });
afterAll(async () => { await model.close(); });

describe('recheckClaims', () => {
  it('when every claim is valid, then all are confirmed and the bound is clean-correct minus confirmed breaks', async () => {
    const f = await recheckClaims(model, data, claimsOf([VALID]), { norm: 'linf', eps: EPS });
    expect(f).toMatchObject({ n: 6, claimed: 1, confirmed: 1, failures: [], cleanCorrect: 5, confirmedOnCleanCorrect: 1, draws: 1 });
    expect(f.cleanAccuracy).toBe(5 / 6);
    expect(f.robustAccuracyBound).toBe((5 - 1) / 6);
  });

  it.each(HANDMADE)('when an example is %s, then it is not confirmed, with reason %s', async (_name, claim, reason, message) => {
    const f = await recheckClaims(model, data, claimsOf([VALID, claim]), { norm: 'linf', eps: EPS });
    expect(f.confirmed).toBe(1);
    expect(f.failures).toEqual([{ example: 1, index: claim.index, reasons: [reason], message: expect.stringMatching(message) }]);
    expect(f.robustAccuracyBound).toBe(4 / 6); // only the valid claim lowers the bound
  });

  it('when all handmade claims come together, then each gets its own reason and only the valid one counts', async () => {
    const f = await recheckClaims(model, data, claimsOf([VALID, ...HANDMADE.map((h) => h[1])]), { norm: 'linf', eps: EPS });
    expect(f.claimed).toBe(7);
    expect(f.confirmed).toBe(1);
    expect(f.failures.map((x) => x.reasons[0])).toEqual(HANDMADE.map((h) => h[2]));
  });

  it('when a break is claimed on a clean-misclassified point, then it is confirmed but does not lower the bound', async () => {
    const f = await recheckClaims(model, data, claimsOf([VALID, { index: 5, xAdv: [0.8, 0.1] }]), { norm: 'linf', eps: EPS });
    expect(f).toMatchObject({ confirmed: 2, confirmedOnCleanCorrect: 1 });
    expect(f.robustAccuracyBound).toBe(4 / 6);
  });

  it('when the threat is l2, then ‖δ‖₂ is checked: the linf-valid example (‖δ‖₂ = 0.12·√2) is outside ε', async () => {
    const f = await recheckClaims(model, data, claimsOf([VALID]), { norm: 'l2', eps: EPS });
    expect(f.failures).toEqual([expect.objectContaining({ reasons: ['outside-eps'], message: expect.stringMatching(/‖δ‖₂ = 0\.169\d* > ε = 0\.15/) })]);
    expect((await recheckClaims(model, data, claimsOf([VALID]), { norm: 'l2', eps: 0.17 })).confirmed).toBe(1);
  });

  it('when there are no claims, then the bound is the clean accuracy', async () => {
    const f = await recheckClaims(model, data, claimsOf([]), { norm: 'linf', eps: EPS });
    expect(f).toMatchObject({ claimed: 0, confirmed: 0, failures: [] });
    expect(f.robustAccuracyBound).toBe(f.cleanAccuracy);
  });

  it('when shapes disagree, then a DataError names both shapes', async () => {
    const wide = parseAdversarialNpz(adversarialNpz({ index: Int32Array.of(0), xAdv: new Float32Array(3), sampleShape: [3], stage: Int32Array.of(0), norm: Float64Array.of(0), pred: Int32Array.of(0), label: Int32Array.of(0) }));
    await expect(recheckClaims(model, data, wide, { norm: 'linf', eps: EPS })).rejects.toThrow(/adversarial examples are \[3\] per sample but the evaluation set's samples are \[2\]/);
  });

  /**
   * A randomized 3-class stand-in: clean rows (x0 < 0.5) are always class 0; the adversarial row
   * is class 0 (its label) in the first `asLabel` draws of each 9, class 1 in the next 3, class 2 after.
   */
  function randomModel(asLabel: number): LogitsModel & { calls: number } {
    const m: LogitsModel & { calls: number } = {
      calls: 0,
      info: {
        inputShape: [2], numClasses: 3, batched: true, batch: 'dynamic', random: ['noise'], nonDifferentiable: [], provider: 'cpu',
        modelSha256: '', dtype: 'float32', bytesPerSample: { forward: 0, gradient: 0 }, notes: [],
      },
      predict: async (x: Float32Array, n: number) => {
        const draw = m.calls++ % 9;
        const cls = draw < asLabel ? 0 : draw < asLabel + 3 ? 1 : 2;
        const out = new Float32Array(3 * n);
        for (let i = 0; i < n; i++) out[3 * i + (x[2 * i] < 0.5 ? 0 : cls)] = 1;
        return out;
      },
      counters: () => ({ forward: 0, gradient: 0 }),
    };
    return m;
  }
  const oneClean: EvalSet = { ...data, x: Float32Array.of(0.1, 0.1), xShape: [1, 2], y: Int32Array.of(0), lower: new Float32Array(2), upper: Float32Array.of(1, 1), n: 1 };
  const adv = claimsOf([{ index: 0, xAdv: [0.2, 0.1], label: 0 }]);
  adv.xAdv.set([0.6, 0.1]); // ‖δ‖∞ 0.5: use ε 1 so only the classification decides

  it('when the model has random ops and the label wins 5 of 9 draws, then the claim is not confirmed', async () => {
    const m = randomModel(5);
    const f = await recheckClaims(m, oneClean, adv, { norm: 'linf', eps: 1 });
    expect(m.calls).toBe(18); // 9 clean + 9 adversarial draws
    expect(f.draws).toBe(9);
    expect(f.failures).toEqual([expect.objectContaining({ reasons: ['not-misclassified'], message: 'a majority of 9 fresh forward passes classifies it as its label 0' })]);
  });

  it('when the label wins only 4 of 9 draws (no class has a majority), then the break is confirmed, as runAttack declares it', async () => {
    const f = await recheckClaims(randomModel(4), oneClean, adv, { norm: 'linf', eps: 1 });
    expect(f).toMatchObject({ confirmed: 1, failures: [], robustAccuracyBound: 0 });
  });
});

describe('parseAdversarialNpz', () => {
  it('reads back what the audit writes', () => {
    const c = claimsOf([VALID, { index: 4, xAdv: [0.55, 0.45], label: 0 }]);
    expect(c.k).toBe(2);
    expect(Array.from(c.index)).toEqual([0, 4]);
    expect(Array.from(c.label)).toEqual([0, 0]);
    expect(c.sampleShape).toEqual([2]);
    expect(Array.from(c.xAdv)).toEqual(Array.from(Float32Array.of(0.48, 0.52, 0.55, 0.45)));
  });

  it('when the archive is not an adversarial.npz, then a DataError says what is missing', () => {
    expect(() => parseAdversarialNpz(Buffer.from('not a zip'), 'a.npz')).toThrow(DataError);
    const evalset = Buffer.from(evalSetToNpz(data));
    expect(() => parseAdversarialNpz(evalset, 'a.npz')).toThrow(/a\.npz: missing arrays 'x_adv', 'index', 'label', 'stage', 'norm', 'pred'/);
  });
});

describe('recheckAttestation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-recheck-'));
  const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'keys') } });
  const keys = [{ key: key.publicKey, source: 'test key' }];
  const modelFile = join(dir, 'lin.onnx');
  const dataFile = join(dir, 'data.npz');
  writeFileSync(modelFile, linearOnnx(LIN));
  saveEvalSet(dataFile, data);

  /** Writes adversarial.npz and a signed attestation of a report claiming `robustAccuracy`; returns the envelope path. */
  function attest(name: string, claims: Claim[], robustAccuracy: number, opts: { signedNpz?: Uint8Array; noSubject?: boolean } = {}): string {
    const sub = join(dir, name);
    mkdirSync(sub);
    const adv = join(sub, 'adversarial.npz');
    writeFileSync(adv, opts.signedNpz ?? npzOf(claims));
    const report: Report = sampleReport({
      model: { ...sampleReport().model, name: 'lin.onnx', sha256: sha256File(modelFile), inputShape: [2], numClasses: 2 },
      data: { name: 'data.npz', sha256: sha256File(dataFile), n: 6 },
      threat: { norm: 'linf', eps: EPS }, cleanAccuracy: 5 / 6, robustAccuracy,
    });
    const { jsonl } = attestReport(report, key, opts.noSubject ? [] : [fileSubject(adv)]);
    if (opts.signedNpz) writeFileSync(adv, npzOf(claims)); // the file on disk differs from the signed one
    const file = join(sub, 'report.intoto.jsonl');
    writeFileSync(file, jsonl);
    return file;
  }
  const run = (file: string) => recheckAttestation({ file, keys, model: modelFile, data: dataFile });

  it('when the signed claims hold and the report\'s figure equals the bound, then it is valid', async () => {
    const r = await run(attest('ok', [VALID], 4 / 6));
    expect(r.problems).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.recheck.adversarial.ok).toBe(true);
    expect(r.recheck.figures).toMatchObject({ confirmed: 1, claimed: 1, robustAccuracyBound: 4 / 6 });
    expect(r.recheck.report).toMatchObject({ n: 6, robustAccuracy: 4 / 6 });
  });

  it('when a signed claim is false, then it is invalid and the problem names the example and the reason', async () => {
    const r = await run(attest('false', [VALID, HANDMADE[0][1]], 4 / 6));
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/^1 of 2 claimed adversarial examples not confirmed \(first: example 1, point 1: ‖δ‖∞ = 0\.(4|39999)\d* > ε = 0\.15\)$/);
  });

  it('when the report claims more robust points than its evidence allows, then it is invalid', async () => {
    const r = await run(attest('over', [VALID], 5 / 6));
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/the re-checked upper bound on robust accuracy, 66\.7%, is below the report's 83\.3%/);
  });

  it('when adversarial.npz is not the signed file, then it is invalid and nothing is re-run', async () => {
    const r = await run(attest('swapped', [VALID], 4 / 6, { signedNpz: npzOf([]) }));
    expect(r.valid).toBe(false);
    expect(r.recheck.figures).toBeNull();
    expect(r.problems[0]).toMatch(/adversarial examples .*adversarial\.npz do not match the signed 'adversarial\.npz': its sha256 is [0-9a-f]{64}, the signed digest is [0-9a-f]{64}/);
  });

  it('when the attestation has no adversarial.npz subject, then it is invalid', async () => {
    const r = await run(attest('nosubject', [VALID], 4 / 6, { noSubject: true }));
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/no 'adversarial\.npz' subject/);
  });

  it('when the data file is not the signed one, then the normal verification fails first and nothing is re-run', async () => {
    const other = join(dir, 'other.npz');
    saveEvalSet(other, { ...data, y: Int32Array.from(LABELS, (l) => 1 - l) });
    const r = await recheckAttestation({ file: attest('otherdata', [VALID], 4 / 6), keys, model: modelFile, data: other });
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/^data .*other\.npz does not match the signed data 'data\.npz'/);
    expect(r.recheck.figures).toBeNull();
  });
});
