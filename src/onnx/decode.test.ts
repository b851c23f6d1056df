import { onnx } from 'onnx-proto';
import { ModelError } from '../errors';
import { decodeModel } from './decode';
import { encodeModel } from './encode';
import { topologicalOrder } from './topo';

const F = onnx.TensorProto.DataType.FLOAT;

/** A valid one-node model y = Relu(x) as a protobuf object, for tests to corrupt. */
function reluProto(): onnx.IModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'], name: 'relu' }],
      input: [{ name: 'x', type: { tensorType: { elemType: F, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: F, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } }],
    },
  };
}
const bytes = (m: onnx.IModelProto) => onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();

describe('decodeModel', () => {
  it('when given a valid model, then inputs, outputs, dims and nodes are decoded', () => {
    const m = decodeModel(bytes(reluProto()));
    expect(m.graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 4] }]);
    expect(m.graph.nodes[0]).toMatchObject({ opType: 'Relu', inputs: ['x'], outputs: ['y'], domain: '' });
    expect(m.opsetImports.get('')).toBe(17);
  });

  it('when a model is encoded and decoded again, then it is unchanged', () => {
    const p = reluProto();
    p.graph!.initializer = [{ name: 'w', dims: [2, 2], dataType: F, floatData: [1, 2, 3, 4] }];
    const m = decodeModel(bytes(p));
    const again = decodeModel(encodeModel(m));
    expect(again.graph.initializers.get('w')).toEqual({ dtype: 'float32', dims: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
    expect(again.graph.nodes).toEqual(m.graph.nodes);
  });

  it('when the bytes are not protobuf, then a ModelError says so', () => {
    expect(() => decodeModel(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]))).toThrow(/not a valid ONNX model/);
  });

  it('when a valid file is truncated, then a ModelError is raised', () => {
    const b = bytes(reluProto());
    expect(() => decodeModel(b.subarray(0, b.length - 7))).toThrow(ModelError);
  });

  it('when an initializer points at external data, then it is refused without opening any path', () => {
    const p = reluProto();
    p.graph!.initializer = [{
      name: 'w', dims: [4], dataType: F, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: '/etc/passwd' }],
    }];
    expect(() => decodeModel(bytes(p))).toThrow(/external file/);
  });

  it('when a tensor declares an absurd dimension, then it is refused before allocation', () => {
    const p = reluProto();
    p.graph!.initializer = [{ name: 'w', dims: [1e6, 1e6, 1e6], dataType: F }];
    expect(() => decodeModel(bytes(p))).toThrow(/outside|elements/);
  });

  it('when a tensor declares more elements than the limit, then a ModelError names the limit', () => {
    const p = reluProto();
    p.graph!.initializer = [{ name: 'w', dims: [1 << 15, 1 << 15], dataType: F }];
    expect(() => decodeModel(bytes(p))).toThrow(/limit/);
  });

  it('when raw_data is shorter than the shape needs, then a ModelError says how many elements it holds', () => {
    const p = reluProto();
    p.graph!.initializer = [{ name: 'w', dims: [10], dataType: F, rawData: new Uint8Array(8) }];
    expect(() => decodeModel(bytes(p))).toThrow(/needs 10 elements but raw_data holds 2/);
  });

  it('when an input declares a negative dimension, then it is refused', () => {
    const p = reluProto();
    p.graph!.input![0].type!.tensorType!.shape!.dim![1] = { dimValue: -5 };
    expect(() => decodeModel(bytes(p))).toThrow(/dimension -5/);
  });

  it('when a graph input has no tensor type, then it is refused', () => {
    const p = reluProto();
    p.graph!.input![0].type = {};
    expect(() => decodeModel(bytes(p))).toThrow(/no tensor type/);
  });

  it('when nodes form a cycle, then topological ordering names a node on it', () => {
    const p = reluProto();
    p.graph!.node = [
      { opType: 'Add', input: ['x', 'b'], output: ['a'], name: 'n1' },
      { opType: 'Relu', input: ['a'], output: ['b'], name: 'n2' },
    ];
    expect(() => topologicalOrder(decodeModel(bytes(p)).graph)).toThrow(/cycle/);
  });

  it('when a node reads a value nobody produces, then the error names node and value', () => {
    const p = reluProto();
    p.graph!.node = [{ opType: 'Add', input: ['x', 'ghost'], output: ['y'], name: 'adder' }];
    expect(() => topologicalOrder(decodeModel(bytes(p)).graph)).toThrow(/'adder'.*'ghost'/);
  });

  it('when the IR < 4 style lists initializers as inputs, then they are not data inputs', () => {
    const p = reluProto();
    p.graph!.initializer = [{ name: 'w', dims: [4], dataType: F, floatData: [1, 2, 3, 4] }];
    p.graph!.input!.push({ name: 'w', type: { tensorType: { elemType: F, shape: { dim: [{ dimValue: 4 }] } } } });
    expect(decodeModel(bytes(p)).graph.inputs.map((v) => v.name)).toEqual(['x']);
  });
});
