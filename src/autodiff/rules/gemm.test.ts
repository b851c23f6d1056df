import { expectGradientsMatch } from '../testing/gradcheck';

// A' is [M, K] = [2, 3] and B' is [K, N] = [3, 4]; stored transposed when transA / transB.
const M = 2, K = 3, N = 4;
const aShape = (tA: number) => (tA ? [K, M] : [M, K]);
const bShape = (tB: number) => (tB ? [N, K] : [K, N]);
const TRANS: [number, number][] = [[0, 0], [0, 1], [1, 0], [1, 1]];
// C broadcast to [M, N] from every unidirectional shape.
const C_SHAPES: number[][] = [[M, N], [N], [1, N], [M, 1], [1, 1], [1], []];

describe('Gemm rule', () => {
  it.each(TRANS)('when transA = %i and transB = %i, then the gradients w.r.t. A and B match in float64', async (transA, transB) => {
    const attrs = { transA, transB, alpha: { float: 0.7 }, beta: { float: 1.3 } };
    const c = { float: [M, N] };
    await expectGradientsMatch({ opType: 'Gemm', inputs: [{ x: aShape(transA) }, { float: bShape(transB) }, c], attrs, seed: 21 });
    await expectGradientsMatch({ opType: 'Gemm', inputs: [{ float: aShape(transA) }, { x: bShape(transB) }, c], attrs, seed: 22 });
  });

  it.each(C_SHAPES.map((c) => [c]))('when C has shape %j, then its broadcast gradient (scaled by beta) matches', async (cs) => {
    const attrs = { beta: { float: 0.5 } };
    await expectGradientsMatch({ opType: 'Gemm', inputs: [{ float: [M, K] }, { float: [K, N] }, { x: cs }], attrs, seed: 23 });
  });

  it('when C is absent, then dA and dB match (default and non-default alpha)', async () => {
    await expectGradientsMatch({ opType: 'Gemm', inputs: [{ x: [M, K] }, { float: [K, N] }], seed: 24 });
    await expectGradientsMatch({ opType: 'Gemm', inputs: [{ float: [M, K] }, { x: [N, K] }], attrs: { transB: 1, alpha: { float: 2 } }, seed: 25 });
  });
});
