import { checkModel, expectGradientsMatch, gradcheck } from '../testing/gradcheck';

describe('Transpose rule', () => {
  it.each([
    [[2, 3, 4], [1, 2, 0]],
    [[2, 3, 4], [2, 0, 1]],
    [[2, 3, 4, 5], [0, 2, 3, 1]],
    [[3, 4], [1, 0]],
    [[2, 3, 4], [0, 1, 2]],
  ])('when x is %j and perm is %j, then the gradient matches central differences', async (shape, perm) => {
    await expectGradientsMatch({ opType: 'Transpose', inputs: [{ x: shape }], attrs: { perm }, seed: 5 });
  });

  it('when perm is absent, then the axes are reversed and the gradient matches', async () => {
    await expectGradientsMatch({ opType: 'Transpose', inputs: [{ x: [2, 3, 4] }], seed: 6 });
  });

  it('when x is a 2×3 matrix, then dx is the CE gradient of the logits read back through the transpose (by hand)', async () => {
    const spec = { opType: 'Transpose', inputs: [{ x: [2, 3] }], seed: 7 };
    const { x } = checkModel(spec);
    // Logits are y = xᵀ read row-major: z[j*2 + i] = x[i*3 + j]; d CE(z, label 0)/dz = softmax(z) − e₀.
    const z = [0, 1, 2].flatMap((j) => [0, 1].map((i) => x[i * 3 + j]));
    const e = z.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    const dz = e.map((v, k) => v / s - (k === 0 ? 1 : 0));
    const expected = [0, 1].flatMap((i) => [0, 1, 2].map((j) => dz[j * 2 + i]));
    const r = await gradcheck(spec);
    r.analytic.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 12));
  });
});
