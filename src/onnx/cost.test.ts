/** Static cost estimate: hand-computed FLOPs and shapes per op, folding of run-time shapes, the limit messages. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors';
import { packageRoot } from '../util/entry';
import { cubicFlopsModel, runtimeWeightsModel } from '../../test/support/hostile-resources';
import { matmulChainModel } from '../../test/hostile/generate';
import { checkModelCost, estimateCost } from './cost';
import { decodeModel } from './decode';
import { Attribute, emptyGraph, Model, Node, tensorFromNumbers } from './ir';

function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): Node {
  return { name: outputs[0], opType, domain: '', inputs, outputs, attributes: new Map(Object.entries(attrs)) };
}
const ints = (value: number[]): Attribute => ({ type: 'ints', value });

/** A model of `nodes` on input x of `shape` (first dim symbolic when given as 'N'). */
function model(shape: (number | string)[], nodes: Node[], init: Record<string, [number[], number[]?]> = {}): Model {
  const g = emptyGraph();
  g.inputs.push({ name: 'x', dtype: 'float32', shape });
  for (const [name, [dims, values]] of Object.entries(init)) {
    g.initializers.set(name, tensorFromNumbers(values ? 'int64' : 'float32', dims, values ?? new Array(dims.reduce((a, b) => a * b, 1)).fill(0)));
  }
  g.nodes.push(...nodes);
  return { irVersion: 8, opsetImports: new Map([['', 17]]), producerName: '', producerVersion: '', graph: g };
}

describe('estimateCost', () => {
  it('MatMul [1,3]×[3,5] is 2·1·3·5 FLOPs; a symbolic batch dim counts one sample', () => {
    const e = estimateCost(model(['N', 3], [node('MatMul', ['x', 'w'], ['y'])], { w: [[3, 5]] }));
    expect(e.flopsPerSample).toBe(30);
    expect(e.largestTensorBytes).toBe(5 * 4);
    expect(e.costliestNode).toBe("MatMul 'y'");
    expect(e.unknownNodes).toBe(0);
  });

  it('Gemm with transB, then Relu: 2·M·K·N + N', () => {
    const e = estimateCost(model(['N', 4], [
      node('Gemm', ['x', 'w', 'b'], ['h'], { transB: { type: 'int', value: 1 } }), node('Relu', ['h'], ['y']),
    ], { w: [[7, 4]], b: [[7]] }));
    expect(e.flopsPerSample).toBe(2 * 4 * 7 + 7);
  });

  it('Conv 3×3, pad 1, stride 2 on [1,2,8,8] with 6 filters: out [1,6,4,4], 2·96·(2·9) FLOPs', () => {
    const e = estimateCost(model([1, 2, 8, 8], [
      node('Conv', ['x', 'w'], ['y'], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }),
    ], { w: [[6, 2, 3, 3]] }));
    expect(e.flopsPerSample).toBe(2 * 96 * 18);
    expect(e.largestTensorBytes).toBe(96 * 4);
  });

  it('ConvTranspose stride 2 on [1,4,5,5] with weights [4,3,2,2]: out [1,3,10,10], 2·100·3·4 FLOPs', () => {
    const e = estimateCost(model([1, 4, 5, 5], [node('ConvTranspose', ['x', 'w'], ['y'], { strides: ints([2, 2]) })], { w: [[4, 3, 2, 2]] }));
    expect(e.largestTensorBytes).toBe(300 * 4);
    expect(e.flopsPerSample).toBe(2 * 100 * 3 * 4);
  });

  it('shapes built at run time are folded: Shape → Mul → ConstantOfShape, Tile, Reshape with -1', () => {
    const e = estimateCost(model([1, 8], [
      node('Shape', ['x'], ['s']), node('Mul', ['s', 'k'], ['s2']), // [1, 8] × [1000, 1000] → [1000, 8000]
      node('ConstantOfShape', ['s2'], ['big']), node('Tile', ['big', 'reps'], ['bigger']), node('Reshape', ['bigger', 'flat'], ['r']),
    ], { k: [[2], [1000, 1000]], reps: [[2], [2, 1]], flat: [[1], [-1]] }));
    expect(e.largestTensorBytes).toBe(2000 * 8000 * 4);
    expect(e.largestTensorNode).toBe("Tile 'bigger'");
    expect(e.unknownNodes).toBe(0);
  });

  it('an op it does not know is counted as unknown and its consumers too; the rest still counts', () => {
    const e = estimateCost(model([1, 3], [node('MatMul', ['x', 'w'], ['h']), node('Mystery', ['h'], ['m']), node('Relu', ['m'], ['y'])], { w: [[3, 5]] }));
    expect(e.flopsPerSample).toBe(30);
    expect(e.unknownNodes).toBe(2);
  });

  it('the hostile generators: run-time weights are sized, 2·width³ FLOPs are counted', () => {
    const big = estimateCost(decodeModel(runtimeWeightsModel(16384)));
    expect(big.largestTensorBytes).toBe(16384 * 16384 * 4);
    const cubic = estimateCost(decodeModel(cubicFlopsModel(4096)));
    expect(cubic.flopsPerSample).toBeGreaterThanOrEqual(2 * 4096 ** 3);
  });

  it('constant bytes: initializers plus what nodes compute from constants alone; input-dependent and random outputs are not counted', () => {
    const e = estimateCost(model(['N', 4], [
      node('Expand', ['one', 'shape'], ['w']), // constant: [4, 1000] float32 = 16 000 B, folded by the session
      node('MatMul', ['x', 'w'], ['h']), // depends on x: not a constant
      node('RandomNormal', [], ['noise'], { shape: ints([1000]) }), // drawn per run: not folded
    ], { one: [[1, 1]], shape: [[2], [4, 1000]] }));
    expect(e.constantBytes).toBe(4 + 2 * 8 + 4 * 1000 * 4);
  });

  it('the hostile MatMul chain: 64 run-time 64 MiB matrices are 4 GiB of constants, refused under a 4 GiB memory cap', () => {
    const e = estimateCost(decodeModel(matmulChainModel()));
    expect(e.largestTensorBytes).toBe(4096 * 4096 * 4); // each under the 512 MiB tensor cap
    expect(e.flopsPerSample).toBeLessThan(100e9); // and the chain is cheap in FLOPs
    expect(e.constantBytes).toBeGreaterThan(64 * 4096 * 4096 * 4);
    expect(() => checkModelCost(e, { maxGflopsPerSample: 100, maxTensorBytes: 512 * 1024 ** 2, maxConstantBytes: 2048 * 1024 ** 2 }, { flops: 'F', tensor: 'T', constants: 'half of GAUNTLET_INSPECT_MEMORY_MB' }))
      .toThrow(/weights and the constants it computes from them take about 4\d{3} MiB; the limit is 2048 MiB \(half of GAUNTLET_INSPECT_MEMORY_MB\)/);
  });

  it('the fixture models are all well under the default limits', () => {
    const dir = join(packageRoot(__dirname), 'fixtures', 'models');
    for (const f of ['cnn.onnx', 'resnet.onnx', 'tf_nhwc.onnx', 'matlab_opset8.onnx']) {
      const e = estimateCost(decodeModel(readFileSync(join(dir, f))));
      expect(e.flopsPerSample).toBeGreaterThan(0);
      expect(() => checkModelCost(e, { maxGflopsPerSample: 100, maxTensorBytes: 512 * 1024 ** 2, maxConstantBytes: 2048 * 1024 ** 2 }, { flops: 'F', tensor: 'T' })).not.toThrow();
    }
  });
});

describe('checkModelCost', () => {
  const names = { flops: 'GAUNTLET_MAX_GFLOPS_PER_SAMPLE', tensor: 'GAUNTLET_MAX_TENSOR_MB' };
  const est = { flopsPerSample: 2.5e11, largestTensorBytes: 3 * 1024 ** 3, largestTensorNode: "Tile 't'", costliestNode: "MatMul 'm'", unknownNodes: 0, constantBytes: 0 };

  it('when FLOPs exceed the cap, then ModelError naming the node and the variable, with details.limit', () => {
    let caught: unknown;
    try { checkModelCost(est, { maxGflopsPerSample: 100, maxTensorBytes: 2 ** 40 }, names); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(ModelError);
    expect((caught as ModelError).message).toBe("the model needs about 250 GFLOPs per sample (costliest: MatMul 'm'); the limit is 100 GFLOPs per sample (GAUNTLET_MAX_GFLOPS_PER_SAMPLE)");
    expect((caught as ModelError).details).toMatchObject({ limit: 100 });
  });

  it('when a tensor exceeds the cap, then ModelError naming the node and the variable', () => {
    expect(() => checkModelCost(est, { maxGflopsPerSample: 1000, maxTensorBytes: 512 * 1024 ** 2 }, names))
      .toThrow("the model's Tile 't' produces a tensor of about 3072 MiB per sample; the limit is 512 MiB (GAUNTLET_MAX_TENSOR_MB)");
  });
});
