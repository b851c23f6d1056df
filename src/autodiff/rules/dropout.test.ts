import { expectGradientsMatch } from '../testing/gradcheck';
import { SmallNode, ceGradient, gradientOf, maxRelDiff, smallModel, tensor, uniform } from '../testing/small-model';

/** max(x) compared with 100: a training_mode computed at run time (true for Less, false for Greater). */
const computedMode = (cmp: 'Less' | 'Greater'): SmallNode[] =>
  [{ op: 'ReduceMax', inputs: ['data'], attrs: { keepdims: 0 } }, { op: cmp, inputs: ['v0', 'k100'], outputs: ['m'] }];

/** logits = Dropout(x, ratio, mode) after the `pre` nodes; constants r = 0.25, t = true, k100 = 100. */
const dropoutModel = (o: { pre?: SmallNode[]; ratio?: string; mode?: string; outputs?: string[] }) => smallModel({
  xShape: [4, 5],
  consts: { r: tensor('float64', [], [0.25]), t: tensor('bool', [], [1]), k100: tensor('float64', [], [100]) },
  nodes: [...(o.pre ?? []), { op: 'Dropout', inputs: ['data', o.ratio ?? 'r', o.mode ?? 't'], outputs: o.outputs ?? ['y'] }],
});

// x away from 0, so the kept elements are exactly those with y ≠ 0.
const x = uniform(20, 0.1, 1, 5).map((v, i) => (i % 2 ? v : -v));

describe('Dropout rule', () => {
  it('when training_mode is absent or constant false, then Dropout is the identity, deterministic and not reported', async () => {
    const a = await expectGradientsMatch({ opType: 'Dropout', inputs: [{ x: [2, 3] }], seed: 1 });
    const b = await expectGradientsMatch({
      opType: 'Dropout', inputs: [{ x: [2, 3] }, { float: [], values: [0.3] }, { bool: [], values: [false] }], outputs: 2, seed: 2,
    });
    expect([...a.findings, ...b.findings]).toEqual([]);
  });

  it.each([
    ['training_mode is constant true', dropoutModel({}), false],
    ['the mask output is requested', dropoutModel({ outputs: ['y', 'mask'] }), false],
    ['the ratio is computed (Identity of a constant)', dropoutModel({ pre: [{ op: 'Identity', inputs: ['r'], outputs: ['rr'] }], ratio: 'rr' }), false],
    // ORT's graph optimiser fails to load any Dropout with a computed training_mode ("Argument type
    // mismatch when adding edge", the forward model alone too): that case runs unoptimised.
    ['training_mode is computed (true) at run time', dropoutModel({ pre: computedMode('Less'), mode: 'm' }), true],
  ])('when %s, then Dropout is reported as random and dx = dy · [y ≠ 0] / (1 − r) for each draw', async (_, model, unoptimised) => {
    const r = await gradientOf(model, x, { runs: 2, optimization: unoptimised ? 'disabled' : undefined });
    expect(r.random).toEqual([`Dropout '${model.graph.nodes[model.graph.nodes.length - 1].name}'`]);
    const [a, b] = r.runs;
    expect(maxRelDiff(a.logits, b.logits)).toBeGreaterThan(0);
    for (const run of r.runs) {
      const kept = run.logits.map((y) => (y !== 0 ? 1 : 0));
      expect(kept.reduce((s: number, k) => s + k, 0)).toBeGreaterThan(0);
      // By hand: y = x / 0.75 where kept, so dx = dCE/dy · 4/3 there and 0 elsewhere.
      run.logits.forEach((y, i) => kept[i] && expect(y).toBeCloseTo(x[i] / 0.75, 12));
      const expected = ceGradient(run.logits).map((d, i) => (d * kept[i]) / 0.75);
      expect(maxRelDiff(run.grad, expected)).toBeLessThan(1e-12);
    }
  });

  it('when training_mode is computed and false at run time, then dx = dy (and Dropout is still reported, as it could sample)', async () => {
    const model = dropoutModel({ pre: computedMode('Greater'), mode: 'm' });
    const r = await gradientOf(model, x, { optimization: 'disabled' }); // see above
    expect(r.random).toHaveLength(1);
    expect(r.runs[0].logits).toEqual(x);
    expect(maxRelDiff(r.runs[0].grad, ceGradient(x))).toBeLessThan(1e-12);
  });
});
