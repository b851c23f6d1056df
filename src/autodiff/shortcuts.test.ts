import { probeShapes } from '../runtime/probe';
import { buildGradientModel } from './builder';
import { findShortcuts } from './shortcuts';
import { expectGraphGradientsMatch } from './testing/graph-check';
import { SmallNode, ceGradient, gradientOf, smallModel, uniform } from './testing/small-model';
import type { AttrInput } from '../onnx/graph-writer';

const TILED = { kernel_shape: [2, 2], strides: [2, 2] };

/** Neg → Relu → MaxPool → Flatten on a [1, 2, 6, 6] input (ORT has no float64 Conv; Neg keeps x off the Relu). */
function reluPool(pool: Record<string, AttrInput>): SmallNode[] {
  return [
    { op: 'Neg', inputs: ['data'], outputs: ['c'] },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: pool },
    { op: 'Flatten', inputs: ['p'], outputs: ['z'] },
  ];
}

async function graphOps(nodes: SmallNode[], dtype: 'float32' | 'float64', shortcuts?: boolean): Promise<{ opType: string; inputs: string[] }[]> {
  const model = smallModel({ xShape: [1, 2, 6, 6], dtype, nodes });
  const shapes = await probeShapes(model, { inputShape: [1, 2, 6, 6] });
  return buildGradientModel(model, { loss: 'ce', shapes, shortcuts }).model.graph.nodes;
}

/**
 * The forward values that positivity masks read: Greater, or the float32 Relu rule's first HardSigmoid
 * (its second one reads a gradient-graph value, named '<node>_Grad/…' by the builder).
 */
function maskInputs(nodes: { opType: string; inputs: string[] }[]): string[] {
  return nodes.filter((n) => (n.opType === 'Greater' || n.opType === 'HardSigmoid') && !n.inputs[0].includes('_Grad/')).map((n) => n.inputs[0]);
}

describe('gradient shortcuts', () => {
  it('when a Relu output is read only by a MaxPool, then the pair is found; a second reader or a kept value prevents it', () => {
    const node = (opType: string, inputs: string[], outputs: string[]) => ({ name: outputs[0], opType, domain: '', inputs, outputs, attributes: new Map() });
    const relu = node('Relu', ['c'], ['r']);
    const pool = node('MaxPool', ['r'], ['p']);
    const found = findShortcuts([relu, pool], new Set());
    expect(found.maskedPools.get(pool)).toBe(relu);
    expect([...found.passThrough]).toEqual([relu]);
    expect(findShortcuts([relu, pool, node('Sigmoid', ['r'], ['s'])], new Set()).maskedPools.size).toBe(0);
    expect(findShortcuts([relu, pool], new Set(['r'])).maskedPools.size).toBe(0);
    // MaxPool → Relu (the mask is already at pooled resolution) is left alone.
    expect(findShortcuts([node('MaxPool', ['c'], ['p']), node('Relu', ['p'], ['r'])], new Set()).maskedPools.size).toBe(0);
  });

  it('when a Relu feeds only a MaxPool, then its mask is taken on the pooled output and the Relu emits no mask', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const on = await graphOps(reluPool(TILED), dtype);
      expect(maskInputs(on)).toEqual(['p']);
      const off = await graphOps(reluPool(TILED), dtype, false);
      expect(maskInputs(off)).toEqual(['r']);
    }
    // The Relu output read twice: moving its mask to the pool would drop the other reader's, so the Relu keeps it.
    const twoReaders = await graphOps([
      { op: 'Neg', inputs: ['data'], outputs: ['c'] },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: TILED },
      { op: 'ReduceMean', inputs: ['r'], outputs: ['m'], attrs: { axes: [2, 3], keepdims: 1 } },
      { op: 'Mul', inputs: ['p', 'm'], outputs: ['q'] },
      { op: 'Flatten', inputs: ['q'], outputs: ['z'] },
    ], 'float32');
    expect(maskInputs(twoReaders)).toContain('r');
  });

  it.each<[string, Record<string, AttrInput>]>([
    ['2×2 windows tiling x', TILED],
    ['overlapping windows with pads', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }],
    ['ceil_mode windows', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, pads: [1, 1, 0, 0] }],
  ])('when pooling with %s over a Relu with many zero and tied values, then dx equals the unshortened graph exactly', async (_, pool) => {
    // Half the Relu inputs are ≤ 0 (all-zero windows after the Relu) and x on a coarse grid makes positive ties.
    const x = uniform(72, -1, 1, 11).map((v) => Math.round(4 * v) / 4);
    for (const dtype of ['float32', 'float64'] as const) {
      const model = smallModel({ xShape: [1, 2, 6, 6], dtype, nodes: reluPool(pool) });
      const fast = (await gradientOf(model, x)).runs[0];
      const plain = (await gradientOf(model, x, { shortcuts: false })).runs[0];
      expect(plain.grad.some((v) => v !== 0)).toBe(true);
      expect(fast.grad).toEqual(plain.grad);
    }
  });

  it('when all of a window is ≤ 0 before the Relu, then its dy reaches no element (by hand)', async () => {
    // x (1×1×2×4) → Relu → 2×2 pool: windows [−1 −2; −3 −4] (all ≤ 0: pooled 0, no gradient) and [0 5; 2 5] (first max: x[0,3]).
    const x = [-1, -2, 0, 5, -3, -4, 2, 5];
    const model = smallModel({
      xShape: [1, 1, 2, 4],
      nodes: [{ op: 'Relu', inputs: ['data'] }, { op: 'MaxPool', inputs: ['v0'], attrs: TILED }, { op: 'Flatten', inputs: ['v1'] }],
    });
    const dy = ceGradient([0, 5]);
    const { runs } = await gradientOf(model, x);
    [0, 0, 0, dy[1], 0, 0, 0, 0].forEach((v, i) => expect(runs[0].grad[i]).toBeCloseTo(v, 12));
  });

  it('when the shortcut is taken, then dx matches central differences (float64)', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Relu', inputs: ['data'], outputs: ['r'] },
        { opType: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 1, 0] } },
        { opType: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
      output: 'z', xShape: [2, 2, 5, 6], batched: true, h: 1e-7, seed: 301,
    });
  });
});
