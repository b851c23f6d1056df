/**
 * canonicalize, upgrades from opsets < 17: each conversion is checked against ONNX Runtime, which still runs old (and new)
 * opsets natively: the original model and its canonical opset-17 form run on the same random
 * inputs and must agree to 1e-6 (relative). Where ORT has no kernel for the source version
 * (opsets < 7), the canonical model is checked against values computed here.
 */
import { canonicalize } from '.';
import { TensorValue } from '../ir';
import { ModelError } from '../../errors';
import { HostTensor } from '../../runtime/tensor';
import {
  node, f32, i64, vi, build, one, randomFeeds, run, expectClose, assertCanonical, expectEquivalent, expectValues, host, nodesOf,
} from './testing/models';

describe('canonicalize — upgrades from old opsets (ORT runs the original)', () => {
  test('when Squeeze/Unsqueeze carry axes attributes (opset 11) then axes become int64 inputs', async () => {
    const m = build({
      opset: 11,
      nodes: [
        node('Unsqueeze', ['x'], ['u'], { axes: [0, -1] }),
        node('Squeeze', ['u'], ['y'], { axes: [0, 3] }),
        node('Squeeze', ['x1'], ['z'], {}),
      ],
      inputs: [vi('x', [3, 4]), vi('x1', [1, 3, 1])],
      outputs: [vi('y'), vi('z')],
    });
    const { model } = await expectEquivalent(m);
    expect(nodesOf(model).find((n) => n.name === 'Squeeze_z')!.inputs).toEqual(['x1']);
  });

  test('when Unsqueeze is at opset 9 (no negative axes) then it converts too', async () => {
    await expectEquivalent(one(9, 'Unsqueeze', [vi('x', [2, 3])], { axes: [0, 2] }));
  });

  test('when ReduceSum has an axes attribute (opset 11) then axes become an input', async () => {
    await expectEquivalent(one(11, 'ReduceSum', [vi('x', [2, 3, 4])], { axes: [1, -1], keepdims: 0 }));
    await expectEquivalent(one(9, 'ReduceSum', [vi('x', [2, 3, 4])], { keepdims: 1 }));
  });

  test('when Split has a split attribute (opset 11) or splits evenly (opset 9) then the opset-13 form matches', async () => {
    await expectEquivalent(one(11, 'Split', [vi('x', [2, 7])], { axis: 1, split: [2, 5] }, [vi('a'), vi('b')]));
    await expectEquivalent(one(9, 'Split', [vi('x', [6, 3])], {}, [vi('a'), vi('b'), vi('c')]));
  });

  test('when Slice has starts/ends/axes attributes (opset 9) then they become inputs', async () => {
    await expectEquivalent(one(9, 'Slice', [vi('x', [4, 5, 6])], { starts: [1, -4], ends: [1000, -1], axes: [0, 2] }));
    await expectEquivalent(one(9, 'Slice', [vi('x', [4, 5])], { starts: [0, 1], ends: [2, 4] }));
  });

  test('when Pad has pads/value attributes (opset 9 and 2) then they become inputs', async () => {
    await expectEquivalent(one(9, 'Pad', [vi('x', [1, 2, 3, 3])], { pads: [0, 0, 1, 2, 0, 0, 2, 1], value: { f: 1.5 } }));
    await expectEquivalent(one(9, 'Pad', [vi('x', [1, 2, 3, 3])], { pads: [0, 0, 1, 2, 0, 0, 2, 1], mode: 'reflect' }));
    await expectEquivalent(one(9, 'Pad', [vi('x', [1, 2, 3, 3])], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'edge' }));
    await expectEquivalent(one(9, 'Pad', [vi('x', [2, 3])], { pads: [1, 0, 0, 2] }));
  });

  test('when Clip has min/max attributes (opset 9) then they become typed scalar inputs', async () => {
    await expectEquivalent(one(9, 'Clip', [vi('x', [3, 4])], { min: { f: -0.5 }, max: { f: 0.75 } }));
    await expectEquivalent(one(9, 'Clip', [vi('x', [3, 4])], { max: { f: 0.25 } }));
    // ORT has no double Clip-6 kernel: the float64 constant is checked against computed values.
    const xs = [-3, -1.5, 0.5, 2];
    await expectValues(one(9, 'Clip', [vi('x', [4], 'float64')], { min: { f: -1 } }, [vi('y', undefined, 'float64')]),
      { x: host([4], xs, 'float64') }, { y: host([4], xs.map((v) => Math.max(v, -1)), 'float64') });
  });

  test('when Upsample (opsets 7 and 9) is used then the Resize-13 replacement matches', async () => {
    await expectEquivalent(one(7, 'Upsample', [vi('x', [1, 2, 3, 4])], { scales: { fs: [1, 1, 2, 3] }, mode: 'nearest' }));
    await expectEquivalent(one(9, 'Upsample', [vi('x', [1, 2, 3, 4]), ['s', f32([4], [1, 1, 2, 2])]], { mode: 'nearest' }));
    await expectEquivalent(one(9, 'Upsample', [vi('x', [1, 2, 3, 4]), ['s', f32([4], [1, 1, 2.5, 1.5])]], { mode: 'nearest' }));
    await expectEquivalent(one(9, 'Upsample', [vi('x', [1, 2, 3, 4]), ['s', f32([4], [1, 1, 2, 3])]], { mode: 'linear' }));
    await expectEquivalent(one(8, 'Upsample', [vi('x', [2, 3, 4, 5])], { scales: { fs: [1, 1, 1.5, 2] }, mode: 'linear' }));
  });

  test('when Resize-10 up- or downsamples then the asymmetric Resize-13 form matches ORT\'s opset-10 kernel', async () => {
    await expectEquivalent(one(10, 'Resize', [vi('x', [1, 2, 4, 6]), ['s', f32([4], [1, 1, 2, 1.5])]], { mode: 'nearest' }));
    await expectEquivalent(one(10, 'Resize', [vi('x', [1, 2, 8, 9]), ['s', f32([4], [1, 1, 0.5, 0.6])]], { mode: 'nearest' }));
    await expectEquivalent(one(10, 'Resize', [vi('x', [1, 2, 4, 6]), ['s', f32([4], [1, 1, 2, 0.5])]], { mode: 'linear' }));
  });

  test('when Resize-10 nearest mixes up- and downsampling then ModelError', () => {
    const m = one(10, 'Resize', [vi('x', [1, 2, 4, 6]), ['s', f32([4], [1, 1, 2, 0.5])]], { mode: 'nearest' });
    expect(() => canonicalize(m)).toThrow(/mixing upsampling and downsampling/);
  });

  test('when Resize-11 uses empty roi/scales, sizes, or tf_half_pixel_for_nn then the Resize-13 form matches', async () => {
    const empty = f32([0], []);
    await expectEquivalent(one(11, 'Resize', [vi('x', [1, 1, 3, 4]), ['roi', empty], ['sc', empty], ['sz', i64([1, 1, 7, 5])]], { mode: 'linear' }));
    await expectEquivalent(one(11, 'Resize', [vi('x', [1, 1, 3, 4]), ['roi', empty], ['sc', f32([4], [1, 1, 2.5, 1.75])]], { mode: 'nearest', coordinate_transformation_mode: 'align_corners' }));
    for (const nm of ['floor', 'round_prefer_floor']) {
      await expectEquivalent(one(11, 'Resize', [vi('x', [1, 1, 5, 7]), ['roi', empty], ['sc', f32([4], [1, 1, 2.6, 0.7])]], {
        mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: nm,
      }));
    }
    const bad = one(11, 'Resize', [vi('x', [1, 1, 5, 7]), ['roi', empty], ['sc', f32([4], [1, 1, 2, 2])]], {
      mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'ceil',
    });
    expect(() => canonicalize(bad)).toThrow(/tf_half_pixel_for_nn/);
  });

  test('when BatchNormalization is at opset 7/8 with spatial=1 then it converts; spatial=0 is rejected', async () => {
    const params = (c: number): [string, TensorValue][] => [
      ['scale', f32([c], Array.from({ length: c }, (_, i) => 0.5 + i))],
      ['bias', f32([c], Array.from({ length: c }, (_, i) => i - 1))],
      ['mean', f32([c], Array.from({ length: c }, (_, i) => 0.1 * i))],
      ['var', f32([c], Array.from({ length: c }, (_, i) => 1 + i))],
    ];
    const res = await expectEquivalent(one(8, 'BatchNormalization', [vi('x', [2, 3, 4, 4]), ...params(3)], { spatial: 1, epsilon: { f: 1e-3 }, momentum: { f: 0.9 } }));
    expect(res.notes.join('\n')).toMatch(/spatial/);
    await expectEquivalent(one(7, 'BatchNormalization', [vi('x', [2, 3, 4]), ...params(3)], {}));
    const bad = one(8, 'BatchNormalization', [vi('x', [2, 3, 4, 4]), ...params(3)], { spatial: 0 });
    expect(() => canonicalize(bad)).toThrow(ModelError);
    expect(() => canonicalize(bad)).toThrow(/spatial=0/);
  });

  test('when BatchNormalization < 14 has unused training outputs then they are dropped; used ones are rejected', async () => {
    const p: Record<string, TensorValue> = { s: f32([2], [1, 2]), b: f32([2], [0, 1]), mu: f32([2], [0, 0.5]), v: f32([2], [1, 2]) };
    const mk = (used: boolean) => build({
      opset: 9,
      nodes: [
        node('BatchNormalization', ['x', 's', 'b', 'mu', 'v'], ['y', 'rm', 'rv', 'sm', 'sv'], {}, 'bn'),
        ...(used ? [node('Identity', ['rm'], ['z'])] : []),
      ],
      inputs: [vi('x', [2, 2, 3])],
      outputs: [vi('y'), ...(used ? [vi('z')] : [])],
      inits: p,
      valueInfo: [vi('rm', [2])],
    });
    const { model } = canonicalize(mk(false));
    assertCanonical(model);
    expect(model.graph.nodes[0].outputs).toEqual(['y']);
    expect(model.graph.valueInfo.has('rm')).toBe(false);
    const got = await run(model, { x: host([2, 2, 3], Array.from({ length: 12 }, (_, i) => i / 3)) });
    const want: number[] = [];
    for (let n = 0; n < 2; n++) for (let ch = 0; ch < 2; ch++) for (let i = 0; i < 3; i++) {
      const x = (n * 6 + ch * 3 + i) / 3;
      want.push(([1, 2][ch] * (x - [0, 0.5][ch])) / Math.sqrt([1, 2][ch] + 1e-5) + [0, 1][ch]);
    }
    expectClose('y', got.y, host([2, 2, 3], want));
    expect(() => canonicalize(mk(true))).toThrow(/training-mode outputs/);
  });

  test('when Dropout has a ratio attribute (opsets 7, 10) then the opset-12 form matches in inference', async () => {
    await expectEquivalent(one(7, 'Dropout', [vi('x', [3, 4])], { ratio: { f: 0.3 } }));
    // The mask is compared against the opset-12 definition (all true in inference); ORT's
    // opset-10 kernel returns all false, so only y is compared with ORT.
    const m = build({
      opset: 10,
      nodes: [node('Dropout', ['x'], ['y', 'mask'], { ratio: { f: 0.3 } }, 'd')],
      inputs: [vi('x', [3, 4])],
      outputs: [vi('y'), vi('mask', [3, 4], 'bool')],
    });
    const feeds = randomFeeds(m);
    const { model } = canonicalize(m);
    assertCanonical(model);
    const got = await run(model, feeds);
    expectClose('y', got.y, (await run(m, feeds)).y);
    expect(Array.from(got.mask.data as Uint8Array).every((v) => v === 1)).toBe(true);
  });

  test('when Softmax/LogSoftmax/Hardmax < 13 coerce to 2-D then Flatten → op(axis=-1) → Reshape matches', async () => {
    for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
      for (const opset of [9, 11]) {
        await expectEquivalent(one(opset, op, [vi('x', [2, 3, 4, 5])], { axis: 1 }));
        await expectEquivalent(one(opset, op, [vi('x', [2, 3, 4])], {}));
        await expectEquivalent(one(opset, op, [vi('x', [2, 3, 4])], { axis: 0 }));
      }
      const { model } = await expectEquivalent(one(11, op, [vi('x', [2, 3, 4])], { axis: -2 }));
      expect(model.graph.nodes.map((n) => n.opType)).toContain('Flatten');
    }
  });

  test('when Softmax < 13 works on the last axis of a known rank then it stays one plain Softmax(axis=-1)', async () => {
    const { model } = await expectEquivalent(one(11, 'Softmax', [vi('x', [2, 10])], { axis: 1 }));
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Softmax']);
    expect(model.graph.nodes[0].attributes.get('axis')).toEqual({ type: 'int', value: -1 });
  });

  test('when the rank of a Softmax input is unknown then the Flatten/Reshape form is used', async () => {
    const m = build({
      opset: 9,
      nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'], { axis: 1 })],
      inputs: [vi('x', undefined)],
      outputs: [vi('y')],
    });
    const { model } = canonicalize(m);
    expect(model.graph.nodes.map((n) => n.opType)).toContain('Flatten');
    const feeds = { x: host([2, 3, 4], Array.from({ length: 24 }, (_, i) => Math.sin(i))) };
    expectClose('y', (await run(model, feeds)).y, (await run(m, feeds)).y);
  });

  test('when TopK has a k attribute (opset 9) then k becomes an input', async () => {
    await expectEquivalent(one(9, 'TopK', [vi('x', [3, 6])], { k: 2, axis: 1 }, [vi('v'), vi('i', [3, 2], 'int64')]));
  });

  test('when RoiAlign is at opset 10 then the old output_half_pixel behaviour is made explicit', async () => {
    const rois = f32([2, 4], [0, 0, 3, 3, 1, 0.5, 4, 3.5]);
    const idx = i64([0, 1]);
    const res = await expectEquivalent(one(10, 'RoiAlign', [vi('x', [2, 2, 6, 6]), ['rois', rois], ['idx', idx]], { output_height: 2, output_width: 3, sampling_ratio: 2 }));
    expect(res.model.graph.nodes[0].attributes.get('coordinate_transformation_mode')).toEqual({ type: 'string', value: 'output_half_pixel' });
  });

  test('when Gemm, MaxPool, AveragePool, Concat and Flatten are at opset 8 then they are kept as they are', async () => {
    const m = build({
      opset: 8,
      nodes: [
        node('MaxPool', ['x'], ['p'], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 0 }),
        node('AveragePool', ['x'], ['a'], { kernel_shape: [2, 2], strides: [2, 2], count_include_pad: 0 }),
        node('Concat', ['p', 'a'], ['c'], { axis: 1 }),
        node('Flatten', ['c'], ['f'], { axis: 1 }),
        node('Gemm', ['f', 'w', 'b'], ['y'], { transB: 1 }),
      ],
      inputs: [vi('x', [2, 1, 4, 4])],
      outputs: [vi('y')],
      inits: { w: f32([3, 8], Array.from({ length: 24 }, (_, i) => Math.cos(i))), b: f32([3], [0.1, 0.2, 0.3]) },
    });
    await expectEquivalent(m);
  });
});

describe('canonicalize — upgrades from opsets ORT no longer runs (< 7): checked against computed values', () => {
  const x23 = Array.from({ length: 24 }, (_, i) => (i - 11) / 4);

  test('when Add/Mul (opset 6) broadcast at an axis then B is reshaped for numpy broadcasting', async () => {
    // A [2,3,4], B [3] with axis=1: B aligns with dim 1.
    const b = [10, 20, 30];
    for (const bAsInput of [false, true]) {
      const m = build({
        opset: 6,
        nodes: [node('Add', ['x', 'b'], ['y'], { broadcast: 1, axis: 1 }), node('Mul', ['x', 'b'], ['z'], { broadcast: 1, axis: 1 })],
        inputs: [vi('x', [2, 3, 4]), ...(bAsInput ? [vi('b', [3])] : [])],
        outputs: [vi('y'), vi('z')],
        inits: bAsInput ? {} : { b: f32([3], b) },
      });
      const want = (f: (x: number, b: number) => number) => x23.map((x, i) => f(x, b[Math.floor(i / 4) % 3]));
      const feeds: Record<string, HostTensor> = { x: host([2, 3, 4], x23), ...(bAsInput ? { b: host([3], b) } : {}) };
      await expectValues(m, feeds, { y: host([2, 3, 4], want((x, y) => x + y)), z: host([2, 3, 4], want((x, y) => x * y)) });
    }
  });

  test('when Sub (opset 6) broadcasts without axis then suffix matching is kept as numpy broadcasting', async () => {
    const m = build({
      opset: 6,
      nodes: [node('Sub', ['x', 'b'], ['y'], { broadcast: 1 })],
      inputs: [vi('x', [2, 3, 4])],
      outputs: [vi('y')],
      inits: { b: f32([4], [1, 2, 3, 4]) },
    });
    await expectValues(m, { x: host([2, 3, 4], x23) }, { y: host([2, 3, 4], x23.map((x, i) => x - [1, 2, 3, 4][i % 4])) });
  });

  test('when legacy broadcast at an axis meets an operand of unknown rank then ModelError', () => {
    const m = build({
      opset: 6,
      nodes: [node('Add', ['x', 'b'], ['y'], { broadcast: 1, axis: 1 })],
      inputs: [vi('x', undefined), vi('b', undefined)],
      outputs: [vi('y')],
    });
    expect(() => canonicalize(m)).toThrow(/needs the ranks/);
  });

  test('when Cast has a string `to` (opset 5) then it becomes the data-type code', async () => {
    const m = one(5, 'Cast', [vi('x', [4])], { to: 'DOUBLE' }, [vi('y', [4], 'float64')]);
    const xs = [0.1, -2.5, 3, 7.25];
    await expectValues(m, { x: host([4], xs) }, { y: host([4], Array.from(Float32Array.from(xs)), 'float64') });
  });

  test('when Concat has no axis (opset 3) then axis 1 is made explicit', async () => {
    const m = build({ opset: 3, nodes: [node('Concat', ['a', 'b'], ['y'])], inputs: [vi('a', [2, 1]), vi('b', [2, 2])], outputs: [vi('y')] });
    const res = await expectValues(m, { a: host([2, 1], [1, 2]), b: host([2, 2], [3, 4, 5, 6]) }, { y: host([2, 3], [1, 3, 4, 2, 5, 6]) });
    expect(res.model.graph.nodes[0].attributes.get('axis')).toEqual({ type: 'int', value: 1 });
  });

  test('when nodes carry consumed_inputs and Reshape a shape attribute (opset 4) then both are converted', async () => {
    const m = build({
      opset: 4,
      nodes: [node('Relu', ['x'], ['r'], { consumed_inputs: [0] }), node('Reshape', ['r'], ['y'], { shape: [3, -1], consumed_inputs: [0] })],
      inputs: [vi('x', [2, 3])],
      outputs: [vi('y')],
    });
    const xs = [-1, 2, -3, 4, -5, 6];
    const res = await expectValues(m, { x: host([2, 3], xs) }, { y: host([3, 2], xs.map((v) => Math.max(0, v))) });
    expect(res.notes.join('\n')).toMatch(/consumed_inputs/);
  });

  test('when BatchNormalization (opset 6) has is_test=0 then it runs as inference with a note', async () => {
    const m = one(6, 'BatchNormalization', [vi('x', [1, 2, 2]), ['s', f32([2], [1, 1])], ['b', f32([2], [0, 0])], ['m', f32([2], [1, -1])], ['v', f32([2], [4, 4])]], { is_test: 0, consumed_inputs: [0, 0, 0, 1, 1] });
    const res = await expectValues(m, { x: host([1, 2, 2], [1, 3, -1, 1]) }, { y: host([1, 2, 2], [0, 2, 0, 2].map((v) => v / Math.sqrt(4 + 1e-5))) });
    expect(res.notes.join('\n')).toMatch(/is_test=0/);
  });

  test('when PRelu (opset 6) has a 1-D slope then it applies per channel', async () => {
    const m = one(6, 'PRelu', [vi('x', [1, 2, 2, 1]), ['slope', f32([2], [0.5, 0.25])]], {});
    await expectValues(m, { x: host([1, 2, 2, 1], [-2, 2, -4, 4]) }, { y: host([1, 2, 2, 1], [-1, 2, -1, 4]) });
  });

  test('when ImageScaler (experimental, opset 8) is used then Mul/Add reproduce it', async () => {
    const m = one(8, 'ImageScaler', [vi('x', [1, 2, 1, 2])], { scale: { f: 0.5 }, bias: { fs: [1, -1] } });
    await expectValues(m, { x: host([1, 2, 1, 2], [2, 4, 6, 8]) }, { y: host([1, 2, 1, 2], [2, 3, 2, 3]) });
  });
});
