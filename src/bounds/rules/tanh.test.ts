import { expectSound } from '../testing/property';
import { measureKernelError } from '../testing/kernel-error';

// A degenerate box's width is twice the kernel widening: ≈ 2·1.0e-5·|f| + 2·2⁻²⁰ (monotone-kernel.ts).
describe('Tanh bound rule', () => {
  it('when boxes reach |x| = 40 (saturation) and straddle 0, then every output lies in [tanh(lo), tanh(hi)] (widened)', async () => {
    await expectSound({ opType: 'Tanh', inputs: [{ bounded: [2, 3, 4] }], centreScale: 40, float64: Math.tanh, degenerateWidth: 3e-5 });
  });

  // monotone-kernel.ts: the widening is four times the kernel's largest measured error.
  it('when ORT\'s float32 Tanh is compared with float64 on [-30, 30], then its error is ≤ 1/4 of the widening everywhere', async () => {
    const e = await measureKernelError('Tanh', Math.tanh, { from: -30, to: 30, step: 2 ** -10, random: 100_000 });
    expect(e.points).toBeGreaterThan(150_000);
    if (e.maxRatio > 0.25) throw new Error(`kernel error / widening = ${e.maxRatio} at x = ${e.maxRatioAt} (max abs ${e.maxAbs} at ${e.maxAbsAt}, max rel ${e.maxRel} at ${e.maxRelAt})`);
  });
});
