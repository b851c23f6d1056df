import { isAbsolute } from 'node:path';
import { DataError, UsageError } from '../errors';
import { integritySchema } from '../schema/report';
import { Model } from '../model/model';
import { linearModel } from '../attacks/testing/linear-model';
import { BUNDLED_REFERENCES, dataIntegrity, LabelledSet, ReferenceSet } from './integrity';

// z = (x0, x1): for label 0 the margin z_y − max_{j≠y} z_j is x0 − x1, so each set's margins are chosen by hand.
const SHA = 'ab'.repeat(32);

/** Points (m, 0) labelled 0: margins m. */
function withMargins(m: number[]): LabelledSet {
  return { x: Float32Array.from(m.flatMap((v) => [v, 0])), n: m.length, y: new Int32Array(m.length) };
}
const ref = (m: number[], name = 'toy-ref'): ReferenceSet => ({ ...withMargins(m), name, sha256: SHA });
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('dataIntegrity on a 2-class identity model (margins set by hand)', () => {
  let model: Model;
  beforeAll(async () => { model = await linearModel({ W: [[1, 0], [0, 1]], b: [0, 0] }); });
  afterAll(async () => { await model.close(); });

  it('when given 4 owner and 5 reference points, then accuracy, confidence, median margin and KS are the hand-computed ones', async () => {
    const owner = [1, 2, -0.5, 3];
    const reference = [0.5, 1.5, -1, 2.5, 0.25];
    const r = await dataIntegrity(model, withMargins(owner), ref(reference));
    expect(integritySchema.parse(r)).toEqual(r);
    expect(r.owner).toEqual({ n: 4, accuracy: 0.75, meanConfidence: expect.closeTo(owner.map(sigmoid).reduce((a, b) => a + b) / 4, 6), medianMargin: 1.5 });
    expect(r.referenceStats).toEqual({ n: 5, accuracy: 0.8, meanConfidence: expect.closeTo(reference.map(sigmoid).reduce((a, b) => a + b) / 5, 6), medianMargin: 0.5 });
    // Pooled: −1(r) −.5(o) .25(r) .5(r) 1(o) 1.5(r) 2(o) 2.5(r) 3(o): F_r − F_o peaks after 0.5: 3/5 − 1/4 = 0.35.
    expect(r.ks.statistic).toBeCloseTo(0.35, 12);
    expect(r.ks.pValue).toBeCloseTo(Math.exp(-2 * 0.35 ** 2 * (4 * 5) / 9), 12);
    expect(r.reference).toEqual({ name: 'toy-ref', sha256: SHA, n: 5 });
    expect(r.flagged).toBe(false); // p ≈ 0.58
    expect(r.message).toMatch(/consistent with the reference set 'toy-ref' \(KS D⁺ = 0\.350, p = 0\.58 ≥ α = 0\.001\)/);
  });

  it('when the owner set is the reference set, then D⁺ = 0, p = 1 and nothing is flagged', async () => {
    const m = range(50, (i) => Math.sin(i) * 3);
    const r = await dataIntegrity(model, withMargins(m), ref([...m].reverse()));
    expect([r.ks.statistic, r.ks.pValue, r.flagged]).toEqual([0, 1, false]);
  });

  it('when every owner margin exceeds every reference margin, then D⁺ = 1 and the data are flagged with the evidence', async () => {
    const r = await dataIntegrity(model, withMargins(range(60, (i) => 5 + i / 10)), ref(range(60, (i) => -1 + i / 20)));
    expect(r.ks.statistic).toBe(1);
    expect(r.ks.pValue).toBeCloseTo(Math.exp(-60), 30);
    expect(r.flagged).toBe(true);
    expect([r.owner.medianMargin, r.referenceStats.medianMargin]).toEqual([expect.closeTo(7.95, 5), expect.closeTo(0.475, 5)]);
    expect(r.message).toMatch(/too easy.*KS D⁺ = 1\.000, p = 8\.8e-27 < α = 0\.001.*median margin 7\.95 vs 0\.4/);
  });

  it('when the owner margins are SMALLER, then the one-sided test does not flag them', async () => {
    const r = await dataIntegrity(model, withMargins(range(60, (i) => -1 + i / 20)), ref(range(60, (i) => 5 + i / 10)));
    expect([r.ks.statistic, r.ks.pValue, r.flagged]).toEqual([0, 1, false]);
  });

  it('when p < α but the owner median margin is not larger, then it is not flagged and the message says why', async () => {
    // Owner: 55 at −5, 45 at +5; reference: 100 at 1. D⁺ = 1 − 0.55 = 0.45, p = exp(−2·0.45²·50) ≈ 1.6e-9.
    const owner = [...new Array(55).fill(-5), ...new Array(45).fill(5)];
    const r = await dataIntegrity(model, withMargins(owner), ref(new Array(100).fill(1)));
    expect(r.ks.statistic).toBeCloseTo(0.45, 12);
    expect(r.ks.pValue).toBeLessThan(1e-3);
    expect(r.flagged).toBe(false);
    expect(r.message).toMatch(/differ .* but are not larger in median/);
  });

  it('when α is raised, then a moderate shift is flagged', async () => {
    const owner = range(40, (i) => 0.6 + i / 20), reference = range(40, (i) => i / 20);
    const strict = await dataIntegrity(model, withMargins(owner), ref(reference));
    const loose = await dataIntegrity(model, withMargins(owner), ref(reference), { alpha: 0.5 });
    expect(strict.ks.statistic).toBeCloseTo(12 / 40, 12);
    expect([strict.flagged, loose.flagged]).toEqual([false, true]);
  });

  it.each([
    ['alpha is 0', {}, ref([1]), { alpha: 0 }, UsageError, /alpha/],
    ['the sha256 is malformed', {}, { ...ref([1]), sha256: 'abc' }, {}, UsageError, /sha256/],
    ['the owner x does not fit the model', { x: new Float32Array(3) }, ref([1]), {}, DataError, /owner evaluation set: x holds 3 values, expected 1 × 2/],
    ['a reference label is out of range', {}, { ...ref([1]), y: Int32Array.of(4) }, {}, DataError, /reference set 'toy-ref': label 4/],
    ['the owner set is empty', { n: 0, x: new Float32Array(0), y: new Int32Array(0) }, ref([1]), {}, DataError, /owner evaluation set is empty/],
  ] as const)('when %s, then a typed error names it', async (_, ownerPatch, reference, o, type, msg) => {
    const run = () => dataIntegrity(model, { ...withMargins([1]), ...ownerPatch }, reference, o);
    await expect(run()).rejects.toThrow(type);
    await expect(run()).rejects.toThrow(msg);
  });

  it('when resolved, then the bundled MNIST reference path is absolute and ends in fixtures/data/mnist-reference.npz', () => {
    expect(isAbsolute(BUNDLED_REFERENCES.mnist)).toBe(true);
    expect(BUNDLED_REFERENCES.mnist).toMatch(/[\\/]fixtures[\\/]data[\\/]mnist-reference\.npz$/);
  });
});
