/**
 * Hostile uploads over HTTP: each is rejected with a 4xx problem document naming the upload, no
 * blob of it is kept, and the server keeps serving (health and a good submission afterwards).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { writeNpz } from '../src/data';
import { CNN, MNIST, TestService, get, postForm, startTestService } from './support/service';

jest.setTimeout(120_000);

const CONFIG = JSON.stringify({ eps: 0.1, preset: 'quick', n: 10 });
let t: TestService;
let key: string;
beforeAll(async () => {
  t = await startTestService({ limits: { modelBytes: 4 * 1024 * 1024, dataBytes: 8 * 1024 * 1024, policyBytes: 4096, configBytes: 4096 } });
  key = t.key('mallory');
});
afterAll(async () => { await t?.close(); });

const cnn = readFileSync(CNN);
const mnistLike = (n: number, x: Float32Array, shape = [n, 1, 28, 28], y = new BigInt64Array(n)) =>
  writeNpz({ x: { dtype: 'float32', shape, data: x }, y: { dtype: 'int64', shape: [n], data: y } });

function externalData(): Uint8Array {
  const proto = onnx.ModelProto.decode(cnn);
  const w = proto.graph!.initializer![0];
  w.rawData = new Uint8Array(0);
  w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  w.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: '../../../etc/passwd' })];
  return onnx.ModelProto.encode(proto).finish();
}

const nan = new Float32Array(4 * 784).fill(0.5);
nan[1000] = NaN;

const CASES: [string, number, string, Record<string, any>, RegExp][] = [
  ['a truncated ONNX file', 422, 'model', { model: { bytes: cnn.subarray(0, cnn.length >> 1), name: 'cut.onnx' } }, /not a valid ONNX model/],
  ['garbage bytes as the model', 422, 'model', { model: { bytes: Buffer.from('\x00\xff'.repeat(500), 'latin1'), name: 'x.onnx' } }, /ONNX/],
  ['an ONNX file with external data', 422, 'model', { model: { bytes: externalData(), name: 'ext.onnx' } }, /external/],
  ['a model over the size limit', 413, 'model', { model: { bytes: new Uint8Array(5 * 1024 * 1024), name: 'big.onnx' } }, /larger than the limit/],
  ['a data file that is not a zip', 422, 'data', { data: { bytes: Buffer.from('PK? nope'), name: 'd.npz' } }, /npz|zip/i],
  ['a zip bomb (64 MB of members in a small .npz)', 413, 'data', { data: { bytes: writeNpz({ x: { dtype: 'float32', shape: [20480, 1, 28, 28], data: new Float32Array(20480 * 784) }, y: { dtype: 'int64', shape: [20480], data: new BigInt64Array(20480) } }, { compress: true }), name: 'bomb.npz' } }, /uncompressed bytes/],
  ['a data file over the size limit', 413, 'data', { data: { bytes: new Uint8Array(9 * 1024 * 1024), name: 'huge.npz' } }, /larger than the limit/],
  ['NaN in the data', 422, 'data', { data: { bytes: mnistLike(4, nan), name: 'nan.npz' } }, /NaN|finite/i],
  ['samples of the wrong shape', 422, 'data', { data: { bytes: mnistLike(4, new Float32Array(4 * 100).fill(0.5), [4, 1, 10, 10]), name: 'small.npz' } }, /samples are \[1, 10, 10\] but the model takes \[1, 28, 28\]/],
  ['labels outside the classes', 422, 'data', { data: { bytes: mnistLike(2, new Float32Array(2 * 784).fill(0.5), undefined, BigInt64Array.from([3n, 12n])), name: 'labels.npz' } }, /label 12/],
  ['an unknown reference set', 422, 'reference', { reference: 'imagenet' }, /mnist/],
];

describe('when a hostile upload arrives', () => {
  it.each(CASES)('%s → %i naming the %s field; the server stays up', async (_why, status, field, parts, detail) => {
    const blobsBefore = readdirSync(join(t.home, 'blobs', 'sha256')).sort();
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: CONFIG, ...parts });
    expect({ status: r.status, field: r.body.field }).toEqual({ status, field });
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.detail).toMatch(detail);
    expect(r.body.detail).not.toMatch(/blobs|gauntlet-svc-|\n/);
    expect(readdirSync(join(t.home, 'blobs', 'sha256')).sort()).toEqual(blobsBefore);
    expect((await get(`${t.url}/healthz`, null)).status).toBe(200);
  });

  it('then a good submission is still accepted', async () => {
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: CONFIG });
    expect(r.status).toBe(202);
    await fetch(`${t.url}/v1/audits/${r.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
  });
});
