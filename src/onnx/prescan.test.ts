/**
 * The wire-format pre-scan bounds a hostile model before protobufjs materialises it (issue 12: the
 * CLI used 5.6 GB and 150 s on a 60 MB file). Hostile files are generated, not committed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors';
import { packageRoot } from '../util/entry';
import { emptyNodesModel, emptyStringsModel, packedInt64Model } from '../../test/support/hostile-resources';
import { decodeModel } from './decode';
import { DEFAULT_LIMITS } from './limits';
import { prescanModel } from './prescan';

const MODELS = join(packageRoot(__dirname), 'fixtures', 'models');
const FIXTURES = ['cnn.onnx', 'cnn_softmax.onnx', 'matlab_opset8.onnx', 'resnet.onnx', 'tf_nhwc.onnx'];
const MB = 1e6;

/** Decodes `bytes` expecting a ModelError; returns its message and the time it took. */
function refused(bytes: Uint8Array, limits = {}): { message: string; ms: number } {
  const t = Date.now();
  let caught: unknown;
  try { decodeModel(bytes, limits); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(ModelError);
  return { message: (caught as Error).message, ms: Date.now() - t };
}

describe('prescanModel', () => {
  it.each(FIXTURES)('when given the fixture %s, then it counts the decoder would and passes the default limits', (name) => {
    const bytes = readFileSync(join(MODELS, name));
    const c = prescanModel(bytes, DEFAULT_LIMITS);
    expect(c.nodes).toBe(decodeModel(bytes).graph.nodes.length);
    expect(c.decodedBytes).toBeLessThan(1e6);
  });

  it('when a 60 MB model holds 30 M empty nodes, then decodeModel refuses it in well under 10 s without decoding', () => {
    const { message, ms } = refused(emptyNodesModel(60 * MB));
    expect(message).toBe('more than 500000 nodes');
    // measured: 25 ms under tsx, 1.5 s in jest on a loaded 2-core machine (was: protobufjs built 30 M NodeProto objects first)
    expect(ms).toBeLessThan(10_000);
  });

  it('when a 60 MB model packs 60 M one-byte int64 values, then decodeModel refuses it by the decoded-size limit', () => {
    const { message, ms } = refused(packedInt64Model(60 * MB));
    expect(message).toMatch(/^the model would take more than 1073741824 bytes of memory to decode \(\d+ messages and \d+ values so far\); refusing to decode it$/);
    // measured: 175 ms under tsx, 2 s in jest on a loaded machine (was: 60 M Long objects, several GiB)
    expect(ms).toBeLessThan(10_000);
  });

  it('when a 60 MB model holds 30 M empty string_data entries, then decodeModel refuses it by the decoded-size limit', () => {
    const { message, ms } = refused(emptyStringsModel(60 * MB));
    expect(message).toMatch(/^the model would take more than 1073741824 bytes of memory to decode/);
    expect(ms).toBeLessThan(10_000);
  });

  it('when the decoded-size limit is lowered, then a fixture is refused by it', () => {
    const bytes = readFileSync(join(MODELS, 'resnet.onnx'));
    expect(refused(bytes, { maxDecodedBytes: 1000 }).message).toMatch(/more than 1000 bytes of memory to decode/);
  });

  it('when messages nest deeper than 100, then ModelError before the decoder recurses', () => {
    // ValueInfo.type → TypeProto.sequence_type → TypeProto … 200 deep, as graph.input
    const deep = (depth: number): Uint8Array => {
      let t: number[] = [];
      for (let i = 0; i < depth; i++) {
        const seq = [0x0a, ...varint(t.length), ...t];
        t = [0x22, ...varint(seq.length), ...seq];
      }
      const vi = [0x12, ...varint(t.length), ...t]; // ValueInfoProto.type (2)
      const graph = [0x5a, ...varint(vi.length), ...vi]; // GraphProto.input (11)
      return Uint8Array.of(0x08, 8, 0x42, 2, 0x10, 17, 0x3a, ...varint(graph.length), ...graph);
    };
    expect(() => prescanModel(deep(10), DEFAULT_LIMITS)).not.toThrow();
    expect(refused(deep(200)).message).toBe('the model nests messages deeper than 100; refusing to decode it');
  });

  it('when a length runs past the end of the file, then the decoder\'s "not a valid ONNX model" wording', () => {
    expect(refused(Uint8Array.of(0x3a, 0x7f, 0x0a)).message).toMatch(/^not a valid ONNX model \(protobuf decoding failed: /);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
