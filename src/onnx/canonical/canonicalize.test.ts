/**
 * canonicalize: model-level behaviour (domains, opsets, names, subgraphs, notes) and real models
 * (VNN-COMP exports, project fixtures) that must run unchanged in ONNX Runtime after conversion.
 */
import * as fs from 'fs';
import * as path from 'path';
import { canonicalize } from '.';
import { DType } from '../ir';
import { decodeModel } from '../decode';
import { node, vi, graph, build, one, randomFeeds, run, expectClose, expectEquivalent, host } from './testing/models';

describe('canonicalize — model-level behaviour', () => {
  test('when a node is in a custom domain then ModelError names domain, op and node', () => {
    const m = build({
      opset: 13,
      nodes: [node('FusedConv', ['x'], ['y'], {}, 'fc', 'com.microsoft')],
      inputs: [vi('x', [1])],
      outputs: [vi('y')],
      domains: [['com.microsoft', 1]],
    });
    expect(() => canonicalize(m)).toThrow("custom operator domain 'com.microsoft' (op FusedConv, node 'fc') is not supported");
    const ml = build({
      opset: 13,
      nodes: [node('LinearClassifier', ['x'], ['y'], {}, 'lc', 'ai.onnx.ml')],
      inputs: [vi('x', [1])],
      outputs: [vi('y')],
      domains: [['ai.onnx.ml', 1]],
    });
    expect(() => canonicalize(ml)).toThrow("custom operator domain 'ai.onnx.ml' (op LinearClassifier, node 'lc') is not supported");
  });

  test('when probe shapes give the rank of an undeclared value then Softmax < 13 on its last axis stays plain', async () => {
    const m = build({
      opset: 11,
      nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'], { axis: 2 })],
      inputs: [vi('x', undefined)],
      outputs: [vi('y')],
    });
    const shapes = new Map([['r', { dtype: 'float32' as DType, shape: [2, 3, 4] }]]);
    const { model } = canonicalize(m, { shapes });
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Softmax']);
    const feeds = { x: host([2, 3, 4], Array.from({ length: 24 }, (_, i) => Math.cos(i))) };
    expectClose('y', (await run(model, feeds)).y, (await run(m, feeds)).y);
  });

  test('when an unused domain is imported then it is dropped from the opset imports', async () => {
    const m = build({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [vi('x', [3])], outputs: [vi('y')], domains: [['ai.onnx.ml', 2]] });
    const res = await expectEquivalent(m);
    expect(res.notes.join('\n')).toMatch(/ai\.onnx\.ml/);
  });

  test('when the declared opset is newer than 22 then ModelError', () => {
    expect(() => canonicalize(one(23, 'Relu', [vi('x', [2])]))).toThrow(/opset 23 is newer than opset 22/);
  });

  test('when the model is already at opset 17 then nodes are unchanged and the IR version is at least 8', async () => {
    const m = build({ opset: 17, ir: 7, nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [vi('x', [2, 3, 4])], outputs: [vi('y')] });
    const res = await expectEquivalent(m);
    expect(res.model.graph.nodes).toEqual(m.graph.nodes);
    expect(res.model.irVersion).toBe(8);
  });

  test('when helper values are created then their names do not collide with existing ones', async () => {
    // Existing values named like the helpers the converter would make.
    const m = build({
      opset: 11,
      nodes: [
        node('Identity', ['x'], ['n/Flatten_0']),
        node('Softmax', ['n/Flatten_0'], ['y'], { axis: 1 }, 'n'),
        node('Identity', ['y'], ['canonical/int64_1']),
      ],
      inputs: [vi('x', [2, 3, 4])],
      outputs: [vi('canonical/int64_1')],
    });
    const { model } = await expectEquivalent(m);
    const outs = model.graph.nodes.flatMap((n) => n.outputs);
    expect(new Set(outs).size).toBe(outs.length);
  });

  test('when an If branch (opset 9) holds old-form nodes then the subgraphs are canonicalized too', async () => {
    const thenG = graph('then', [
      node('Squeeze', ['x'], ['sq'], { axes: [0] }, 't_sq'),
      node('Softmax', ['sq'], ['t_out'], { axis: 0 }, 't_sm'),
    ], [], [vi('t_out')]);
    const elseG = graph('else', [
      node('ReduceSum', ['x'], ['rs'], { axes: [0], keepdims: 0 }, 'e_rs'),
      node('Clip', ['rs'], ['e_out'], { min: { f: 0 }, max: { f: 1 } }, 'e_clip'),
    ], [], [vi('e_out')]);
    const m = build({
      opset: 9,
      nodes: [node('If', ['cond'], ['y'], { then_branch: { g: thenG }, else_branch: { g: elseG } }, 'if')],
      inputs: [vi('cond', [], 'bool'), vi('x', [1, 3, 4])],
      outputs: [vi('y')],
    });
    for (const c of [0, 1]) {
      await expectEquivalent(m, { feeds: { ...randomFeeds(m, 5), cond: { dtype: 'bool', dims: [], data: Uint8Array.from([c]) } } });
    }
  });
});

// ------------------------------------------------------------------------------------------
// Real models
// ------------------------------------------------------------------------------------------
const VNNCOMP = path.resolve(__dirname, '../../../../shared/data/vnncomp');
const vnnModels = fs.existsSync(VNNCOMP)
  ? fs.readdirSync(VNNCOMP).flatMap((d) => {
    const dir = path.join(VNNCOMP, d, 'onnx');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => path.join(d, 'onnx', f)) : [];
  })
  : [];
const describeVnn = vnnModels.length > 0 ? describe : describe.skip;

describeVnn('canonicalize — VNN-COMP models (opset 9 PyTorch exports; skipped when ../shared/data/vnncomp is absent)', () => {
  test.each(vnnModels)('when %s is canonicalized then ORT outputs are unchanged', async (file) => {
    const m = decodeModel(fs.readFileSync(path.join(VNNCOMP, file)));
    const res = await expectEquivalent(m, { seed: 11 });
    expect(res.model.graph.outputs.map((o) => o.name)).toEqual(m.graph.outputs.map((o) => o.name));
  });
});

const FIXTURES = path.resolve(__dirname, '../../../fixtures/models');
const fixtureModels = ['matlab_opset8.onnx', 'cnn_softmax.onnx', 'cnn.onnx', 'resnet.onnx', 'tf_nhwc.onnx'].filter((f) => fs.existsSync(path.join(FIXTURES, f)));
const describeFixtures = fixtureModels.length > 0 ? describe : describe.skip;

describeFixtures('canonicalize — project fixture models (skipped when fixtures/models is absent)', () => {
  test.each(fixtureModels)('when fixtures/models/%s is canonicalized then ORT outputs are unchanged', async (file) => {
    const m = decodeModel(fs.readFileSync(path.join(FIXTURES, file)));
    await expectEquivalent(m, { seed: 13 });
  });
});
