/**
 * canonicalize, downgrades from opsets 18-22: each conversion is checked against ONNX Runtime, which still runs old (and new)
 * opsets natively: the original model and its canonical opset-17 form run on the same random
 * inputs and must agree to 1e-6 (relative). Where ORT has no kernel for the source version
 * (opsets < 7), the canonical model is checked against values computed here.
 */
import { canonicalize } from '.';
import { DType, TensorValue } from '../ir';
import { ModelError } from '../../errors';
import { node, f32, i64, vi, build, one, expectEquivalent, host } from './testing/models';

describe('canonicalize — downgrades from opsets 18-22 (ORT runs the original)', () => {
  const REDUCE = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

  test('when Reduce* (opset 18) take constant axes inputs then axes become attributes', async () => {
    for (const op of REDUCE) {
      const m = one(18, op, [vi('x', [2, 3, 4]), ['axes', i64([1, -1])]], { keepdims: 0 });
      const { model } = await expectEquivalent(m, { seed: 3 });
      expect(model.graph.initializers.has('axes')).toBe(false);
    }
    await expectEquivalent(one(20, 'ReduceMax', [vi('x', [2, 3, 4]), ['axes', i64([0])]], {}));
  });

  test('when Reduce axes come from a Constant node then they are read from it', async () => {
    const m = build({
      opset: 18,
      nodes: [node('Constant', [], ['ax'], { value: { t: i64([2]) } }), node('ReduceMean', ['x', 'ax'], ['y'], { keepdims: 1 })],
      inputs: [vi('x', [2, 3, 4])],
      outputs: [vi('y')],
    });
    await expectEquivalent(m);
  });

  test('when Reduce has no axes then it reduces everything, or is an Identity with noop_with_empty_axes', async () => {
    await expectEquivalent(one(18, 'ReduceMean', [vi('x', [2, 3])], { keepdims: 0 }));
    for (const op of REDUCE) await expectEquivalent(one(18, op, [vi('x', [2, 3])], { noop_with_empty_axes: 1 }));
    const { model } = await expectEquivalent(one(18, 'ReduceMean', [vi('x', [2, 3]), ['ax', i64([])]], { noop_with_empty_axes: 1 }));
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Identity']);
  });

  test('when Reduce axes are computed at run time then ModelError names op, node and opset', () => {
    const m = one(18, 'ReduceMean', [vi('x', [2, 3]), vi('axes', [1], 'int64')], {});
    expect(() => canonicalize(m)).toThrow(ModelError);
    expect(() => canonicalize(m)).toThrow(/ReduceMean node 'n' \(opset 18\).*not a constant/);
  });

  test('when Split (opset 18) uses num_outputs then evenly it is dropped and unevenly (static axis) sizes are explicit', async () => {
    await expectEquivalent(one(18, 'Split', [vi('x', [2, 6])], { axis: 1, num_outputs: 3 }, [vi('a'), vi('b'), vi('c')]));
    const { model } = await expectEquivalent(one(18, 'Split', [vi('x', [2, 7])], { axis: -1, num_outputs: 3 }, [vi('a'), vi('b'), vi('c')]));
    expect(model.graph.nodes[0].inputs.length).toBe(2);
  });

  test('when Pad (opset 18/19/21) has an axes input then the full pads vector matches', async () => {
    await expectEquivalent(one(18, 'Pad', [vi('x', [1, 2, 3, 4]), ['p', i64([1, 2, 0, 3])], ['cv', f32([], [0.5])], ['ax', i64([2, -1])]], {}));
    await expectEquivalent(one(19, 'Pad', [vi('x', [2, 3]), ['p', i64([1, 1])], '', ['ax', i64([1])]], { mode: 'reflect' }));
    await expectEquivalent(one(21, 'Pad', [vi('x', [2, 3]), ['p', i64([0, 1, 1, 0])]], { mode: 'edge' }));
  });

  test('when Pad cannot be expressed at opset 17 then ModelError', () => {
    expect(() => canonicalize(one(19, 'Pad', [vi('x', [2, 3]), ['p', i64([1, 1, 1, 1])]], { mode: 'wrap' }))).toThrow(/wrap/);
    expect(() => canonicalize(one(18, 'Pad', [vi('x', undefined), ['p', i64([1, 1])], '', ['ax', i64([0])]], {}))).toThrow(/rank/);
  });

  test('when Resize (opset 18/19) uses axes then full-rank scales/sizes match', async () => {
    await expectEquivalent(one(18, 'Resize', [vi('x', [1, 2, 3, 4]), '', ['s', f32([2], [2, 1.5])]], { axes: [2, 3], mode: 'linear' }));
    await expectEquivalent(one(19, 'Resize', [vi('x', [1, 2, 3, 4]), '', '', ['sz', i64([5, 7])]], { axes: [-2, -1], mode: 'nearest' }));
    await expectEquivalent(one(19, 'Resize', [vi('x', undefined), '', ['s', f32([2], [2, 3])]], { axes: [2, 3], mode: 'nearest' }), {
      feeds: { x: host([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]) },
    });
    await expectEquivalent(one(19, 'Resize', [vi('x', [1, 2, 3, 4]), '', ['s', f32([4], [1, 1, 2, 2])]], { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel' }));
  });

  test('when Resize uses antialias, half_pixel_symmetric or a non-stretch policy with sizes then ModelError', () => {
    const s = ['s', f32([4], [1, 1, 0.5, 0.5])] as [string, TensorValue];
    expect(() => canonicalize(one(18, 'Resize', [vi('x', [1, 1, 4, 4]), '', s], { antialias: 1, mode: 'linear' }))).toThrow(/antialias/);
    expect(() => canonicalize(one(19, 'Resize', [vi('x', [1, 1, 4, 4]), '', s], { coordinate_transformation_mode: 'half_pixel_symmetric' }))).toThrow(/half_pixel_symmetric/);
    expect(() => canonicalize(one(18, 'Resize', [vi('x', [1, 1, 4, 4]), '', '', ['sz', i64([1, 1, 2, 3])]], { keep_aspect_ratio_policy: 'not_larger' }))).toThrow(/keep_aspect_ratio_policy/);
  });

  test('when AveragePool (opset 19) has unit dilations then they are dropped; other dilations are rejected', async () => {
    await expectEquivalent(one(19, 'AveragePool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], dilations: [1, 1], pads: [1, 1, 0, 0] }));
    expect(() => canonicalize(one(19, 'AveragePool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], dilations: [2, 2] }))).toThrow(/dilations/);
  });

  test('when Cast (opset 19/21) carries saturate then it is dropped', async () => {
    await expectEquivalent(one(19, 'Cast', [vi('x', [5])], { to: 11, saturate: 1 }, [vi('y', [5], 'float64')]));
    await expectEquivalent(one(21, 'Cast', [vi('x', [5])], { to: 7 }, [vi('y', [5], 'int64')]));
    expect(() => canonicalize(one(19, 'Cast', [vi('x', [5])], { to: 17 }, [vi('y', [5], 'float32')]))).toThrow(/float8/);
  });

  test('when QuantizeLinear/DequantizeLinear are at opset 19/21 then the opset-13 form matches', async () => {
    const m = build({
      opset: 21,
      nodes: [
        node('QuantizeLinear', ['x', 's', 'zp'], ['q'], { axis: 1, block_size: 0, saturate: 1 }),
        node('DequantizeLinear', ['q', 's', 'zp'], ['y'], { axis: 1, block_size: 0 }),
        node('QuantizeLinear', ['x', 's1'], ['q2'], { output_dtype: 3 }),
        node('DequantizeLinear', ['q2', 's1'], ['y2'], {}),
      ],
      inputs: [vi('x', [2, 3])],
      outputs: [vi('y'), vi('y2')],
      inits: { s: f32([3], [0.01, 0.02, 0.05]), zp: { dtype: 'uint8', dims: [3], data: Uint8Array.from([128, 100, 3]) }, s1: f32([], [0.02]) },
    });
    await expectEquivalent(m);
    expect(() => canonicalize(one(21, 'DequantizeLinear', [vi('x', [2, 4], 'int8' as DType), ['s', f32([2, 1], [0.1, 0.2])]], { block_size: 4 }))).toThrow(/block_size/);
  });

  test('when Gelu (opset 20) is used then the erf and tanh decompositions match ORT', async () => {
    await expectEquivalent(one(20, 'Gelu', [vi('x', [4, 25])], {}));
    await expectEquivalent(one(20, 'Gelu', [vi('x', [4, 25])], { approximate: 'tanh' }));
  });

  test('when Mish (opset 18) is used then x·tanh(softplus(x)) matches ORT', async () => {
    await expectEquivalent(one(18, 'Mish', [vi('x', [3, 7])], {}));
  });

  test('when GroupNormalization (opset 18: per-group, 21: per-channel scale) is used then the decomposition matches ORT', async () => {
    const g18 = one(18, 'GroupNormalization', [vi('x', [2, 6, 3, 2]), ['sc', f32([3], [0.5, 1, 2])], ['bi', f32([3], [0, 1, -1])]], { num_groups: 3, epsilon: { f: 1e-3 } });
    await expectEquivalent(g18);
    const g21 = one(21, 'GroupNormalization', [vi('x', [2, 6, 3, 2]), ['sc', f32([6], [0.5, 1, 2, 1.5, -1, 0.25])], ['bi', f32([6], [0, 1, -1, 2, 0.5, 0])]], { num_groups: 2 });
    await expectEquivalent(g21);
  });

  test('when ops were only re-typed in 18-22 (Identity, Reshape, Shape, Flatten, Transpose, Constant, Conv, Equal) then they are kept', async () => {
    const m = build({
      opset: 22,
      nodes: [
        node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node('Transpose', ['c'], ['t'], { perm: [0, 2, 3, 1] }),
        node('Constant', [], ['shape'], { value: { t: i64([2, -1]) } }),
        node('Reshape', ['t', 'shape'], ['r']),
        node('Identity', ['r'], ['y']),
        node('Shape', ['x'], ['s']),
        node('Flatten', ['x'], ['f'], { axis: 2 }),
        node('Equal', ['s', 's'], ['e']),
      ],
      inputs: [vi('x', [2, 1, 4, 4])],
      outputs: [vi('y'), vi('f'), vi('e', [4], 'bool')],
      inits: { w: f32([2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => Math.sin(i))) },
    });
    const { model } = await expectEquivalent(m);
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(m.graph.nodes.map((n) => n.opType));
  });

  test('when LpPool (opset 18) has default dilations/ceil_mode then it is kept; ceil_mode=1 is rejected', async () => {
    await expectEquivalent(one(18, 'LpPool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], p: 2, dilations: [1, 1], ceil_mode: 0 }));
    expect(() => canonicalize(one(18, 'LpPool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], ceil_mode: 1 }))).toThrow(/ceil_mode/);
  });

  test('when GridSample (opset 20) uses the new mode names then the opset-16 names match', async () => {
    const grid = f32([1, 2, 3, 2], [-1, -1, 0.3, -0.5, 0.9, 0.2, -0.2, 0.7, 0.5, 0.5, 1, 1]);
    for (const mode of ['linear', 'nearest', 'cubic']) {
      await expectEquivalent(one(20, 'GridSample', [vi('x', [1, 2, 4, 5]), ['grid', grid]], { mode, align_corners: 0 }));
    }
  });

  test('when DFT (opset 20) takes its axis as an input then it becomes the opset-17 attribute', async () => {
    await expectEquivalent(one(20, 'DFT', [vi('x', [2, 8, 1]), '', ['ax', i64([1], [])]], {}));
    await expectEquivalent(one(20, 'DFT', [vi('x', [2, 8, 2])], { inverse: 1 }));
  });

  test('when Scatter (opset 9, deprecated) is used then ScatterElements matches; max/min reductions (18) are rejected', async () => {
    const m = one(9, 'Scatter', [vi('x', [3, 3]), ['idx', i64([1, 0, 2, 0, 2, 1], [2, 3])], ['upd', f32([2, 3], [1, 2, 3, 4, 5, 6])]], { axis: 0 });
    const { model } = await expectEquivalent(m);
    expect(model.graph.nodes[0].opType).toBe('ScatterElements');
    const r = one(18, 'ScatterElements', [vi('x', [3]), ['idx', i64([0])], ['upd', f32([1], [1])]], { reduction: 'max' });
    expect(() => canonicalize(r)).toThrow(/reduction='max'/);
  });

  test('when an op has no opset-17 counterpart (Col2Im, CenterCropPad, BitwiseAnd) then ModelError names it', () => {
    const m = one(18, 'CenterCropPad', [vi('x', [4, 4]), ['shape', i64([2, 2])]], {});
    expect(() => canonicalize(m)).toThrow(/CenterCropPad node 'n' \(opset 18\).*no opset-17 equivalent/);
    expect(() => canonicalize(one(18, 'BitwiseAnd', [vi('a', [2], 'int32'), vi('b', [2], 'int32')], {}))).toThrow(/BitwiseAnd/);
  });
});
