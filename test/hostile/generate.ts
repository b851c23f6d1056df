/**
 * Generators of hostile inputs for the service: ONNX models, .npz evaluation sets, DSSE
 * envelopes and signed PDFs, each built in memory from a few lines (no committed binaries).
 * The case table (./cases.ts) calls them; `npx tsx test/hostile/generate.ts OUTDIR` writes the
 * ones that need no signing key to OUTDIR for poking at a server by hand.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { onnx } from 'onnx-proto';
import { encodeNpy, writeNpz } from '../../src/data';

const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
const ROOT = join(__dirname, '..', '..');
/** The committed MNIST CNN (x [N,1,28,28] → logits [N,10]): the base that hostile edits start from. */
export const CNN_PATH = join(ROOT, 'fixtures', 'models', 'cnn.onnx');
/** The committed 100-sample MNIST evaluation set that fits CNN_PATH. */
export const MNIST_PATH = join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');

// ---------------------------------------------------------------------------------------------
// models

type Dims = (number | string)[];
const vi = (name: string, dims: Dims, elemType = F): onnx.IValueInfoProto => ({
  name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});
const floats = (name: string, dims: number[], value = 0.01): onnx.ITensorProto => {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value);
  return { name, dims, dataType: F, rawData: new Uint8Array(data.buffer) };
};
const int64s = (name: string, values: number[]): onnx.ITensorProto => ({ name, dims: [values.length], dataType: I64, int64Data: values });

/** A ModelProto (opset 13) from a graph; `extraOpsets` adds imports such as a custom domain. */
function encode(graph: onnx.IGraphProto, extraOpsets: onnx.IOperatorSetIdProto[] = []): Uint8Array {
  const m: onnx.IModelProto = { irVersion: 7, opsetImport: [{ domain: '', version: 13 }, ...extraOpsets], graph: { name: 'hostile', ...graph } };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();
}

/** The CNN fixture decoded, edited by `edit`, encoded again. */
export function editedCnn(edit: (m: onnx.ModelProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(CNN_PATH));
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

/**
 * A linear classifier on MNIST-shaped input: x [N,1,28,28] → Flatten → (`pre` nodes) → Gemm →
 * logits [N,classes] → (`post` nodes). The building block of the "valid but wrong" models.
 */
export function linearModel(o: { classes?: number; pre?: onnx.INodeProto[]; post?: onnx.INodeProto[]; outputs?: onnx.IValueInfoProto[]; extra?: onnx.ITensorProto[] } = {}): Uint8Array {
  const k = o.classes ?? 10;
  const pre = o.pre ?? [];
  const flatIn = pre.length ? pre[pre.length - 1].output![0] : 'x';
  return encode({
    node: [...pre, { opType: 'Flatten', input: [flatIn], output: ['flat'], name: 'flatten', attribute: [{ name: 'axis', type: 2, i: 1 }] },
      { opType: 'Gemm', input: ['flat', 'w', 'b'], output: ['logits'], name: 'fc' }, ...(o.post ?? [])],
    input: [vi('x', ['N', 1, 28, 28])],
    output: o.outputs ?? [vi('logits', ['N', k])],
    initializer: [floats('w', [784, k]), floats('b', [k], 0), ...(o.extra ?? [])],
  });
}

/** The first `bytes` bytes of the CNN: a protobuf that ends mid-field. */
export function truncatedModel(fraction = 0.5): Uint8Array {
  const b = readFileSync(CNN_PATH);
  return b.subarray(0, Math.floor(b.length * fraction));
}

/** A protobuf whose graph field (7) declares a 2 GiB length the file does not have. */
export function lengthBombModel(): Uint8Array {
  return Uint8Array.from([0x08, 0x07, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x0a, 0x00]);
}

/** An initializer that declares 2^40 elements and holds 4 bytes (a decode-time allocation bomb). */
export function elementBombModel(): Uint8Array {
  return editedCnn((m) => {
    const w = m.graph!.initializer![0];
    w.dims = [1 << 20, 1 << 20] as never;
    w.rawData = new Uint8Array(4);
    w.floatData = [];
  });
}

/** The CNN with an input dimension of 4·10^12. */
export function absurdDimModel(): Uint8Array {
  return editedCnn((m) => { m.graph!.input![0].type!.tensorType!.shape!.dim![2] = onnx.TensorShapeProto.Dimension.create({ dimValue: 4_000_000_000_000 }); });
}

/** If-nodes nested `depth` deep (each then/else branch holds the next If). */
export function nestedSubgraphModel(depth = 40): Uint8Array {
  const leaf = (out: string): onnx.IGraphProto => ({ name: `leaf_${out}`, node: [{ opType: 'Identity', input: ['c'], output: [out] }], output: [vi(out, [1], 9)] });
  let body = leaf('o0');
  for (let d = 0; d < depth; d++) { // then: the next level down; else: a leaf (so the file grows linearly)
    const out = `o${d + 1}`;
    body = { name: `g${d}`, node: [{ opType: 'If', input: ['c'], output: [out], attribute: [{ name: 'then_branch', type: 5, g: body }, { name: 'else_branch', type: 5, g: leaf(`e${d}`) }] }], output: [vi(out, [1], 9)] };
  }
  return encode({ ...body, input: [vi('c', [1], 9)], name: 'nested' });
}

/** The CNN whose first initializer lives in an "external data" file at `location` (never to be opened). */
export function externalDataModel(location: string): Uint8Array {
  return editedCnn((m) => {
    const w = m.graph!.initializer![0];
    w.rawData = new Uint8Array(0);
    w.floatData = [];
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: location })];
  });
}

/** The CNN with a node in a custom-op domain (code that ONNX Runtime would have to load). */
export function customOpModel(): Uint8Array {
  return editedCnn((m) => {
    m.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: 'com.evil', version: 1 }));
    const out = m.graph!.output![0].name!;
    for (const n of m.graph!.node!) n.output = n.output!.map((o) => (o === out ? 'pre_backdoor' : o));
    m.graph!.node!.push(onnx.NodeProto.create({ opType: 'Backdoor', domain: 'com.evil', input: ['pre_backdoor'], output: [out], name: 'bd' }));
  });
}

/** A Python pickle (protocol 2) of `{'a': 1}`: what a PyTorch-era "model.onnx" may really be. */
export function pickleModel(): Uint8Array {
  return Buffer.from('\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.', 'latin1');
}

/** Logits of shape [N,5,2] (10 numbers per sample, but not [N,K]). */
export function rank3OutputModel(): Uint8Array {
  return linearModel({
    post: [{ opType: 'Reshape', input: ['logits', 'shape'], output: ['y'], name: 'reshape' }],
    outputs: [vi('y', ['N', 5, 2])], extra: [int64s('shape', [-1, 5, 2])],
  });
}

/** Two float outputs ([N,10] logits and [N,784] features): which one is audited? */
export function twoOutputModel(): Uint8Array {
  return linearModel({ outputs: [vi('logits', ['N', 10]), vi('flat', ['N', 784])] });
}

/** A classifier with `classes` outputs (APGD-T needs at least 4 to pick its targets). */
export function fewClassModel(classes = 3): Uint8Array {
  return linearModel({ classes });
}

/** A non-image classifier: x [N,784] → logits [N,10]. */
export function vectorInputModel(): Uint8Array {
  return encode({
    node: [{ opType: 'Gemm', input: ['x', 'w', 'b'], output: ['logits'], name: 'fc' }],
    input: [vi('x', ['N', 784])], output: [vi('logits', ['N', 10])],
    initializer: [floats('w', [784, 10]), floats('b', [10], 0)],
  });
}

/** logits = Gemm(flatten(sqrt(x − 0.5))): finite where x ≥ 0.5, NaN where x < 0.5 (see nanOnSampleData). */
export function nanWhenDarkModel(): Uint8Array {
  return linearModel({
    pre: [{ opType: 'Sub', input: ['x', 'half'], output: ['xs'], name: 'sub' }, { opType: 'Sqrt', input: ['xs'], output: ['xr'], name: 'sqrt' }],
    extra: [floats('half', [1], 0.5)],
  });
}

/**
 * A 100 KB-class model with a huge arithmetic cost: `links` MatMuls by a `dim`×`dim` matrix that
 * an Expand builds at run time from a scalar (so the file stays small: ~`dim`·40 bytes). Default: 2·64·4096² ≈ 2.1
 * GFLOP per sample and 64 MiB per materialised matrix.
 */
export function matmulChainModel(links = 64, dim = 4096): Uint8Array {
  const node: onnx.INodeProto[] = [
    { opType: 'Flatten', input: ['x'], output: ['flat'], name: 'flatten', attribute: [{ name: 'axis', type: 2, i: 1 }] },
    { opType: 'Expand', input: ['scalar', 'in_shape'], output: ['w_in'], name: 'expand_in' },
    { opType: 'Gemm', input: ['flat', 'w_in'], output: ['h0'], name: 'in' },
  ];
  for (let i = 0; i < links; i++) {
    node.push({ opType: 'Expand', input: ['scalar', 'square'], output: [`m${i}`], name: `expand${i}` });
    node.push({ opType: 'MatMul', input: [`h${i}`, `m${i}`], output: [`h${i + 1}`], name: `matmul${i}` });
  }
  node.push({ opType: 'Gemm', input: [`h${links}`, 'w_out'], output: ['logits'], name: 'out' });
  return encode({
    node, input: [vi('x', ['N', 1, 28, 28])], output: [vi('logits', ['N', 10])],
    initializer: [floats('w_out', [dim, 10], 1e-3), floats('scalar', [1, 1], 1e-4), int64s('in_shape', [784, dim]), int64s('square', [dim, dim])],
  });
}

// ---------------------------------------------------------------------------------------------
// data

/** An MNIST-shaped set of `n` samples, every pixel `fill` (per sample through `fillOf`), labels 0…n−1 mod `classes`. */
export function mnistLikeData(n: number, o: { fillOf?: (i: number) => number; shape?: number[]; classes?: number; labels?: bigint[]; compress?: boolean } = {}): Uint8Array {
  const shape = o.shape ?? [n, 1, 28, 28];
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per);
  for (let i = 0; i < n; i++) x.fill(o.fillOf ? o.fillOf(i) : 0.6, i * per, (i + 1) * per);
  const y = BigInt64Array.from(o.labels ?? Array.from({ length: n }, (_, i) => BigInt(i % (o.classes ?? 10))));
  return writeNpz({ x: { dtype: 'float32', shape, data: x }, y: { dtype: 'int64', shape: [n], data: y } }, { compress: o.compress });
}

/** Four samples for nanWhenDarkModel: 0–2 bright (finite logits), sample 3 dark (NaN logits). */
export function nanOnSampleData(sample = 3): Uint8Array {
  return mnistLikeData(4, { fillOf: (i) => (i === sample ? 0.2 : 0.6) });
}

/** `samples` all-zero MNIST samples deflated: a few hundred KB that inflate to samples·3 KiB. */
export function zipBombData(samples = 20480): Uint8Array {
  return mnistLikeData(samples, { fillOf: () => 0, labels: Array(samples).fill(0n), compress: true });
}

/** One NaN pixel in sample 1. */
export function nanPixelData(): Uint8Array {
  const x = new Float32Array(4 * 784).fill(0.5);
  x[784 + 17] = NaN;
  return writeNpz({ x: { dtype: 'float32', shape: [4, 1, 28, 28], data: x }, y: { dtype: 'int64', shape: [4], data: new BigInt64Array(4) } });
}

/** An .npz whose `x.npy` has dtype object: a pickle that np.load(allow_pickle=True) would run. */
export function pickleNpyData(): Uint8Array {
  const header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const text = header + ' '.repeat(pad) + '\n';
  const npy = new Uint8Array(10 + text.length + 32);
  npy.set([0x93, ...Buffer.from('NUMPY'), 1, 0, text.length & 0xff, text.length >> 8], 0);
  npy.set(Buffer.from(text, 'latin1'), 10);
  // cos.system('true'): the classic payload, never to be unpickled
  npy.set(Buffer.from("cos\nsystem\n(S'true'\ntR.", 'latin1'), 10 + text.length);
  const y = encodeNpy({ dtype: 'int64', shape: [1], data: new BigInt64Array(1) });
  return zipSync({ 'x.npy': [npy, { level: 0 }], 'y.npy': [y, { level: 0 }] });
}

/** An .npy header that declares 10^12 float32 elements followed by 16 bytes. */
export function hugeShapeNpyData(): Uint8Array {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1, 1000, 1000), }";
  const text = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, text.length & 0xff, text.length >> 8]), Buffer.from(text, 'latin1'), Buffer.alloc(16)]);
  return zipSync({ 'x.npy': [npy, { level: 0 }], 'y.npy': [encodeNpy({ dtype: 'int64', shape: [1], data: new BigInt64Array(1) }), { level: 0 }] });
}

/** A valid stored .npz with one byte of x's data flipped: only the member's CRC-32 can tell. */
export function crcMismatchData(): Uint8Array {
  const b = mnistLikeData(4);
  const at = Buffer.from(b).indexOf(Buffer.from('x.npy')) + 'x.npy'.length + 200; // inside x's data, past its .npy header
  b[at] ^= 0x01;
  return b;
}

// ---------------------------------------------------------------------------------------------
// envelopes and PDFs (signed ones are built by the caller with the service's key)

/** A DSSE envelope text with `payload` given twice: the signed one last, a forged one first. */
export function duplicatePayloadEnvelope(signedJsonl: string, forgedPayload: object): string {
  const forged = Buffer.from(JSON.stringify(forgedPayload)).toString('base64');
  return signedJsonl.replace('{', `{"payload":"${forged}",`);
}

/** The envelope with one more signature whose bytes are garbage, under an unknown keyid. */
export function extraBadSignatureEnvelope(signedJsonl: string): string {
  const e = JSON.parse(signedJsonl);
  e.signatures.push({ keyid: 'f'.repeat(64), sig: Buffer.alloc(64, 7).toString('base64') });
  return JSON.stringify(e) + '\n';
}

/** Flips one base64 character of the payload, 100 characters in. */
export function tamperedPayload(signedJsonl: string): string {
  return signedJsonl.replace(/"payload":"(.{99})(.)/, (_m, p, c) => `"payload":"${p}${c === 'A' ? 'B' : 'A'}`);
}

/** A YAML policy of `levels` alias levels, each 9 times the one below ("billion laughs": 9^levels strings if expanded). */
export function yamlAliasBomb(levels = 9): string {
  const lines = ['a0: &a0 ["lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

/** JSON nested `depth` arrays deep (a parser-recursion probe). */
export function deepJson(depth = 100_000): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A PDF (classic xref) from object bodies numbered 1…n; object 1 is the catalog. */
export function pdfOf(objects: string[]): Buffer {
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A one-page PDF without any signature. */
export function unsignedPdf(): Buffer {
  return pdfOf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>']);
}

/**
 * A PDF of `bytes` bytes (about) with `count` signature dictionaries whose /ByteRange all cover
 * the whole file but one big /Contents hex string. Each looks well formed, so a verifier that
 * hashes every range does `count` × `bytes` work: quadratic in the file size when `count` grows
 * with it (the issue's 4 MB file with a few thousand entries took ~50 s).
 */
export function manyByteRangesPdf(count = 4000, bytes = 4 * 1024 * 1024): Buffer {
  const mark = (c: string) => c.repeat(10); // fixed-width placeholders, filled in once offsets are known
  const sig = `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 ${mark('B')} ${mark('C')} ${mark('D')}] >>`;
  const hexBytes = Math.max(1, Math.floor((bytes - count * (sig.length + 60)) / 2));
  const fields = Array.from({ length: count }, (_, i) => `${i + 5} 0 R`).join(' ');
  const draft = pdfOf([`<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [${fields}] /SigFlags 3 >> >>`, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>', `<< /Type /Sig /Contents <${'00'.repeat(hexBytes)}> >>`, ...Array(count).fill(sig)]).toString('latin1');
  const b = draft.indexOf('/Contents <') + '/Contents '.length;
  const c = b + 2 * hexBytes + 2;
  const fill = (n: number) => String(n).padStart(10, '0');
  return Buffer.from(draft.replaceAll(mark('B'), fill(b)).replaceAll(mark('C'), fill(c)).replaceAll(mark('D'), fill(draft.length - c)), 'latin1');
}

/** The signed PDF with one byte flipped at `offset` (inside the first signed range). */
export function flippedByte(b: Buffer, offset = 500): Buffer {
  const t = Buffer.from(b);
  t[offset] ^= 1;
  return t;
}

// ---------------------------------------------------------------------------------------------

/** The generators that need no key or server, by file name (what the command line writes). */
export function unsignedInputs(): Record<string, Uint8Array> {
  return {
    'truncated.onnx': truncatedModel(), 'length-bomb.onnx': lengthBombModel(), 'element-bomb.onnx': elementBombModel(),
    'absurd-dim.onnx': absurdDimModel(), 'nested-subgraphs.onnx': nestedSubgraphModel(), 'external-data.onnx': externalDataModel('/etc/passwd'),
    'custom-op.onnx': customOpModel(), 'pickle.onnx': pickleModel(), 'rank3-output.onnx': rank3OutputModel(), 'two-outputs.onnx': twoOutputModel(),
    'three-classes.onnx': fewClassModel(3), 'vector-input.onnx': vectorInputModel(), 'nan-when-dark.onnx': nanWhenDarkModel(),
    'matmul-chain.onnx': matmulChainModel(), 'nan-on-sample-3.npz': nanOnSampleData(), 'zip-bomb.npz': zipBombData(),
    'nan-pixel.npz': nanPixelData(), 'pickle-member.npz': pickleNpyData(), 'huge-shape.npz': hugeShapeNpyData(), 'crc-mismatch.npz': crcMismatchData(),
    'alias-bomb.yaml': Buffer.from(yamlAliasBomb()), 'unsigned.pdf': unsignedPdf(), 'many-byteranges.pdf': manyByteRangesPdf(),
  };
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: npx tsx test/hostile/generate.ts OUTDIR\n');
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of Object.entries(unsignedInputs())) writeFileSync(join(out, name), bytes);
  process.stderr.write(`wrote ${Object.keys(unsignedInputs()).length} hostile inputs to ${out}\n`);
}
