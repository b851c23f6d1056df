/**
 * The hostile-input table: one row per thing a tenant (or a stranger) can throw at the service,
 * with the answer the service must give. test/hostile-inputs.test.ts runs every row against one
 * real server and also checks, for every row, that nothing leaked and the server is healthy.
 *
 * A row with `pending: 'deliverable N'` describes a guarantee issue 12 asks for that is not in
 * the code yet: it is listed as a skipped test named "[pending deliverable N] …". When the fix
 * lands, delete `pending: '…',` from the row (a one-line change) and the row runs.
 * `HOSTILE_PENDING=1` runs the pending rows too (to watch them fail before the fix).
 */
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import type { SigningKey } from '../../src/report/sign';
import * as g from './generate';
import { BOUNDARY, multipart, Part, send } from './http';

/** What a row's `build` can use: the server's port, keys of three tenants, fixtures signed by the service's key. */
export interface Ctx {
  port: number;
  /** mallory is the hostile tenant; alice owns `aliceAudit`; admin has the admin role. */
  keys: { mallory: string; alice: string; admin: string };
  aliceAudit: string;
  /** The service's signing key, and a key the service does not trust. */
  serverKey: SigningKey;
  otherKey: SigningKey;
  /** report.intoto.jsonl and report.pdf signed with `serverKey` (a sample report). */
  attestation: string;
  pdf: Buffer;
  /** Same report, signed with `otherKey`. */
  forgedAttestation: string;
  forgedPdf: Buffer;
  /** A named pipe nobody writes to (see externalDataNeverOpened). */
  fifo: string;
  /** The service's unauthenticated rate limit, requests per minute per address. */
  rateLimitPerMinute: number;
}

/** One request: over HTTP (fresh connection) or raw bytes on a socket. */
export type Req =
  | { method?: string; path: string; key?: string | null; headers?: Record<string, string>; parts?: Record<string, Part | undefined>; body?: Buffer }
  | { raw: Buffer; /** Disconnect once the server is writing the upload to blobs/incoming/. */ hangUp?: boolean };

export interface Expect {
  /** HTTP status; null: the connection is closed without an answer (an aborted upload). */
  status: number | null;
  /** The problem document's `code`; null where the answer is not a problem document. */
  code?: string | null;
  /** Matched against the problem's `detail`, or against a verification's `problems` joined by '; '. */
  detail?: RegExp;
  /** POST /v1/verify: the `valid` member. */
  valid?: boolean;
  /** While the request runs, /healthz must answer within this many ms (p99; every probe within 10×). */
  healthWithinMs?: number;
}

export interface Case {
  name: string;
  kind: 'model' | 'data' | 'policy' | 'envelope' | 'pdf' | 'http';
  /** Set while the guarantee waits for another deliverable of issue 12; delete it to run the row. */
  pending?: string;
  /** Runs before the request (e.g. to use up a rate limit). */
  before?: (c: Ctx) => Promise<void>;
  build: (c: Ctx) => Req;
  expect: Expect;
  /** Extra assertions after the answer. */
  check?: (c: Ctx) => void;
}

export const CONFIG = JSON.stringify({ eps: 0.1, preset: 'quick', n: 4 });
const cnn = () => ({ bytes: readFileSync(g.CNN_PATH), name: 'cnn.onnx' });
const mnist = () => ({ bytes: readFileSync(g.MNIST_PATH), name: 'mnist-eval.npz' });
const file = (bytes: Uint8Array | string, name: string) => ({ bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes, name });

/** POST /v1/audits as mallory: the CNN, the MNIST set and CONFIG, with `parts` replacing (undefined: removing) fields. */
const upload = (parts: Record<string, Part | undefined> = {}, key?: (c: Ctx) => string | null) => (c: Ctx): Req =>
  ({ method: 'POST', path: '/v1/audits', key: key ? key(c) : c.keys.mallory, parts: { model: cnn(), data: mnist(), config: CONFIG, ...parts } });
/** POST /v1/verify as mallory with `parts`. */
const verify = (parts: (c: Ctx) => Record<string, Part>) => (c: Ctx): Req => ({ method: 'POST', path: '/v1/verify', key: c.keys.mallory, parts: parts(c) });
/** A request as mallory. */
const call = (method: string, path: (c: Ctx) => string, o: { key?: (c: Ctx) => string | null; headers?: Record<string, string>; body?: Buffer } = {}) => (c: Ctx): Req =>
  ({ method, path: path(c), key: o.key ? o.key(c) : c.keys.mallory, headers: o.headers, body: o.body });
const rawHead = (c: Ctx, length: number, extra = '') =>
  `POST /v1/audits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${c.keys.mallory}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/** The FIFO has no reader: nothing opened the external-data path (an open would also have hung the inspection). */
function externalDataNeverOpened(c: Ctx): void {
  let code = 'opened';
  try { closeSync(openSync(c.fifo, constants.O_WRONLY | constants.O_NONBLOCK)); } catch (e) { code = (e as NodeJS.ErrnoException).code ?? 'error'; }
  if (code !== 'ENXIO') throw new Error(`the external-data FIFO has a reader (open for writing gave ${code}): the server opened it`);
}

const MODEL_422 = { status: 422, code: 'invalid_model' };
const DATA_422 = { status: 422, code: 'invalid_data' };
const MB = 1024 * 1024;

export const CASES: Case[] = [
  // ---- controls: the same path accepts good input (so a row that is refused is refused for its own reason)
  { name: 'control: the CNN and MNIST are accepted', kind: 'model', build: upload(), expect: { status: 202 } },
  { name: 'control: a valid attestation verifies', kind: 'envelope', build: verify((c) => ({ file: file(c.attestation, 'report.intoto.jsonl') })), expect: { status: 200, valid: true } },
  { name: 'control: a valid signed PDF verifies', kind: 'pdf', build: verify((c) => ({ file: file(c.pdf, 'report.pdf') })), expect: { status: 200, valid: true } },

  // ---- models
  { name: 'a truncated ONNX file', kind: 'model', build: upload({ model: file(g.truncatedModel(), 'cut.onnx') }), expect: { ...MODEL_422, detail: /^not a valid ONNX model \(protobuf decoding failed/ } },
  { name: 'a protobuf field declaring 2 GiB it does not have', kind: 'model', build: upload({ model: file(g.lengthBombModel(), 'bomb.onnx') }), expect: { ...MODEL_422, detail: /not a valid ONNX model/ } },
  { name: 'a tensor declaring 2^40 elements in 4 bytes', kind: 'model', build: upload({ model: file(g.elementBombModel(), 'bomb.onnx') }), expect: { ...MODEL_422, detail: /declares 1099511627776 elements; the limit is/ } },
  { name: 'an input dimension of 4·10^12', kind: 'model', build: upload({ model: file(g.absurdDimModel(), 'dim.onnx') }), expect: { ...MODEL_422, detail: /declares dimension 4000000000000/ } },
  { name: 'subgraphs nested 40 deep', kind: 'model', build: upload({ model: file(g.nestedSubgraphModel(40), 'nested.onnx') }), expect: { ...MODEL_422, detail: /nests messages deeper than 100|subgraphs nested deeper than 8/ } },
  { name: 'external data at a FIFO path (never opened)', kind: 'model', build: (c) => upload({ model: file(g.externalDataModel(c.fifo), 'ext.onnx') })(c), expect: { ...MODEL_422, detail: /stores its data in an external file/ }, check: externalDataNeverOpened },
  { name: 'external data at ../../../etc/passwd', kind: 'model', build: upload({ model: file(g.externalDataModel('../../../etc/passwd'), 'ext.onnx') }), expect: { ...MODEL_422, detail: /stores its data in an external file/ } },
  { name: 'a custom-op domain', kind: 'model', build: upload({ model: file(g.customOpModel(), 'custom.onnx') }), expect: { ...MODEL_422, detail: /custom operator domain 'com\.evil' \(op Backdoor/ } },
  { name: 'a Python pickle named model.onnx', kind: 'model', build: upload({ model: file(g.pickleModel(), 'model.onnx') }), expect: { ...MODEL_422, detail: /Python pickle.*not an ONNX model/ } },
  { name: 'a model over the size limit', kind: 'model', build: upload({ model: file(new Uint8Array(5 * MB), 'big.onnx') }), expect: { status: 413, code: 'payload_too_large', detail: /^model: larger than the limit of 4 MiB/ } },
  { name: 'logits of shape [N,5,2]', kind: 'model', build: upload({ model: file(g.rank3OutputModel(), 'rank3.onnx') }), expect: { ...MODEL_422, detail: /\[N, ?5, ?2\]|not \[N, ?K\]/ } },
  { name: 'two outputs and no `output` in the config', kind: 'model', build: upload({ model: file(g.twoOutputModel(), 'two.onnx') }), expect: { ...MODEL_422, detail: /outputs.*'logits'.*'flat'.*output/ } },
  // deliverable 6 may clamp APGD-T's targets instead (then this row becomes status 202 and the audit test proves the clamp)
  // Accepted and audited (the few-classes adaptation; test/audit-few-classes.test.ts runs such audits to a rendered PDF).
  { name: '3 classes (APGD-T needs 4)', kind: 'model', build: upload({ model: file(g.fewClassModel(3), 'three.onnx'), data: file(g.mnistLikeData(4, { classes: 3 }), 'three.npz') }), expect: { status: 202 } },
  // deliverable 6 may audit vector inputs with a report that renders instead (then 202)
  // Accepted and audited: vector samples are drawn as strips in the PDF (test/audit-few-classes.test.ts).
  { name: 'a non-image (vector) input', kind: 'model', build: upload({ model: file(g.vectorInputModel(), 'vector.onnx'), data: file(g.mnistLikeData(4, { shape: [4, 784] }), 'vector.npz') }), expect: { status: 202 } },
  { name: 'NaN logits on sample 3 only', kind: 'model', build: upload({ model: file(g.nanWhenDarkModel(), 'nan.onnx'), data: file(g.nanOnSampleData(3), 'nan.npz') }), expect: { ...MODEL_422, detail: /sample 3/ } },
  { name: 'a 100 KB model that builds 4 GiB of weights at run time (MatMul chain)', kind: 'model', build: upload({ model: file(g.matmulChainModel(), 'chain.onnx') }), expect: { status: 413, code: 'invalid_model', detail: /constants it computes from them take about 4\d{3} MiB; the limit is \d+ MiB \(half of GAUNTLET_INSPECT_MEMORY_MB\)/ } },

  // ---- data
  { name: 'a data file that is not a zip', kind: 'data', build: upload({ data: file('PK? nope', 'd.npz') }), expect: { ...DATA_422, detail: /not an \.npz \(zip\) archive/ } },
  { name: 'a zip bomb (60 MB of zeros in a few hundred KB)', kind: 'data', build: upload({ data: file(g.zipBombData(), 'bomb.npz') }), expect: { status: 413, code: 'invalid_data', detail: /uncompressed bytes in total, more than the limit of \d+/ } },
  { name: 'a pickled (dtype object) x.npy', kind: 'data', build: upload({ data: file(g.pickleNpyData(), 'pickle.npz') }), expect: { ...DATA_422, detail: /'x\.npy': NPY array has dtype object .*pickled/ } },
  { name: 'an .npy header declaring 10^12 elements', kind: 'data', build: upload({ data: file(g.hugeShapeNpyData(), 'huge.npz') }), expect: { status: 422, code: 'invalid_data', detail: /'x\.npy': NPY header: shape \[1000000, 1, 1000, 1000\] has more than 2\^31 elements/ } },
  { name: 'a NaN pixel in sample 1', kind: 'data', build: upload({ data: file(g.nanPixelData(), 'nan.npz') }), expect: { ...DATA_422, detail: /non-finite value.*NaN at index \[1, 0, 0, 17\]/ } },
  { name: 'labels outside the classes', kind: 'data', build: upload({ data: file(g.mnistLikeData(4, { labels: [0n, 1n, 12n, 3n] }), 'labels.npz') }), expect: { ...DATA_422, detail: /label 12 of sample 2 is not a class/ } },
  { name: 'a data file over the size limit', kind: 'data', build: upload({ data: file(new Uint8Array(9 * MB), 'big.npz') }), expect: { status: 413, code: 'payload_too_large', detail: /^data: larger than the limit of 8 MiB/ } },
  { name: 'a YAML policy whose aliases expand to 9^9 strings', kind: 'policy', build: upload({ policy: file(g.yamlAliasBomb(), 'policy.yaml') }), expect: { status: 422, code: 'invalid_policy', detail: /alias/i } },
  { name: 'a policy over its size limit', kind: 'policy', build: upload({ policy: file('#'.repeat(5000), 'policy.yaml') }), expect: { status: 413, code: 'payload_too_large', detail: /^policy: larger than the limit of 4 KiB/ } },
  { name: 'a reference set named with a path', kind: 'data', build: upload({ data: undefined, reference: '../../../etc/passwd' }), expect: { status: 422, code: 'usage', detail: /unknown reference set .*; bundled reference sets: mnist/ } },
  { name: 'a member whose bytes no longer match its CRC-32', kind: 'data', build: upload({ data: file(g.crcMismatchData(), 'crc.npz') }), expect: { ...DATA_422, detail: /CRC/ } },

  // ---- envelopes (POST /v1/verify)
  { name: 'an attestation signed by a key the service does not trust', kind: 'envelope', build: verify((c) => ({ file: file(c.forgedAttestation, 'report.intoto.jsonl') })), expect: { status: 200, valid: false, detail: /the signature is by another key .*, not [0-9a-f]{64}/ } },
  { name: 'an attestation with one payload character changed', kind: 'envelope', build: verify((c) => ({ file: file(g.tamperedPayload(c.attestation), 'report.intoto.jsonl') })), expect: { status: 200, valid: false, detail: /does not verify with key [0-9a-f]{64}: the envelope's payload or signature was altered/ } },
  { name: 'an attestation checked against another model', kind: 'envelope', build: verify((c) => ({ file: file(c.attestation, 'report.intoto.jsonl'), model: file(g.pickleModel(), 'cnn.onnx') })), expect: { status: 200, valid: false, detail: /model cnn\.onnx does not match the signed model/ } },
  { name: 'an attestation that is not JSON', kind: 'envelope', build: verify(() => ({ file: file('{"payload": "', 'report.intoto.jsonl') })), expect: { status: 200, valid: false, detail: /not a valid DSSE envelope file/ } },
  { name: 'an envelope nesting 100 000 arrays deep', kind: 'envelope', build: verify(() => ({ file: file(`{"payload":${g.deepJson()}}`, 'report.intoto.jsonl') })), expect: { status: 200, valid: false, detail: /not a valid DSSE envelope file/ } },
  // today the detail names the uploaded file's path under blobs/
  { name: 'a file that is neither an envelope nor a PDF', kind: 'envelope', build: verify(() => ({ file: file('[1, 2, 3]', 'report.bin') })), expect: { status: 400, code: 'usage', detail: /neither a PDF nor a DSSE envelope/ } },
  { name: 'a file over the 64 MiB verify limit', kind: 'envelope', build: verify(() => ({ file: file(new Uint8Array(65 * MB), 'report.intoto.jsonl') })), expect: { status: 413, code: 'payload_too_large', detail: /^file: larger than the limit of 64 MiB/ } },
  { name: 'a duplicated "payload" key (forged first, signed last)', kind: 'envelope', build: verify((c) => ({ file: file(g.duplicatePayloadEnvelope(c.attestation, { forged: true }), 'report.intoto.jsonl') })), expect: { status: 200, valid: false, detail: /duplicate.*payload/i } },
  { name: 'a good signature plus a garbage one', kind: 'envelope', build: verify((c) => ({ file: file(g.extraBadSignatureEnvelope(c.attestation), 'report.intoto.jsonl') })), expect: { status: 200, valid: false, detail: /signature/ } },

  // ---- PDFs (POST /v1/verify)
  { name: 'a PDF signed by a key the service does not trust', kind: 'pdf', build: verify((c) => ({ file: file(c.forgedPdf, 'report.pdf') })), expect: { status: 200, valid: false, detail: /signed by key [0-9a-f]{64} .*, not by [0-9a-f]{64}/ } },
  { name: 'a signed PDF with a byte changed in the signed range', kind: 'pdf', build: verify((c) => ({ file: file(g.flippedByte(c.pdf), 'report.pdf') })), expect: { status: 200, valid: false, detail: /the signed bytes were modified/ } },
  { name: 'a signed PDF with bytes appended', kind: 'pdf', build: verify((c) => ({ file: file(Buffer.concat([c.pdf, Buffer.from('%%EOF\n')]), 'report.pdf') })), expect: { status: 200, valid: false, detail: /changed after signing/ } },
  { name: 'an unsigned PDF', kind: 'pdf', build: verify(() => ({ file: file(g.unsignedPdf(), 'report.pdf') })), expect: { status: 200, valid: false, detail: /the PDF has no signature/ } },
  { name: 'a 4 MB PDF with 4000 /ByteRange entries', kind: 'pdf', build: verify(() => ({ file: file(g.manyByteRangesPdf(4000, 4 * MB), 'report.pdf') })), expect: { status: 200, valid: false, detail: /ByteRange|signatures/, healthWithinMs: 100 } },
  { name: 'a 64 MiB PDF with 20 000 /ByteRange entries', kind: 'pdf', build: verify(() => ({ file: file(g.manyByteRangesPdf(20_000, 64 * MB - 4096), 'report.pdf') })), expect: { status: 200, valid: false, detail: /ByteRange|signatures/, healthWithinMs: 100 } },

  // ---- HTTP misuse
  { name: 'no API key', kind: 'http', build: upload({}, () => null), expect: { status: 401, code: 'unauthorized', detail: /an API key is required/ } },
  { name: 'a well-formed but unknown API key', kind: 'http', build: upload({}, () => `gk_${'0'.repeat(12)}_${'x'.repeat(32)}`), expect: { status: 401, code: 'unauthorized', detail: /the API key is not valid/ } },
  { name: 'a malformed X-API-Key', kind: 'http', build: call('GET', () => '/v1/audits', { key: () => null, headers: { 'x-api-key': "' OR 1=1 --" } }), expect: { status: 401, code: 'unauthorized', detail: /the API key is not valid/ } },
  { name: "control: an admin key sees the other tenant's audit", kind: 'http', build: call('GET', (c) => `/v1/audits/${c.aliceAudit}`, { key: (c) => c.keys.admin }), expect: { status: 200 } },
  { name: "another tenant's audit (GET)", kind: 'http', build: call('GET', (c) => `/v1/audits/${c.aliceAudit}`), expect: { status: 404, code: 'not_found', detail: /^no audit aud_/ } },
  { name: "another tenant's audit (DELETE)", kind: 'http', build: call('DELETE', (c) => `/v1/audits/${c.aliceAudit}`), expect: { status: 404, code: 'not_found', detail: /^no audit aud_/ } },
  { name: "another tenant's report download", kind: 'http', build: call('GET', (c) => `/v1/audits/${c.aliceAudit}/report.pdf`), expect: { status: 404, code: 'not_found', detail: /^no audit aud_/ } },
  { name: 'an audit id with path traversal', kind: 'http', build: call('GET', () => '/v1/audits/..%2f..%2fgauntlet.db'), expect: { status: 404, code: 'not_found', detail: /^no audit / } },
  { name: 'an unknown route', kind: 'http', build: call('GET', () => '/v1/admin/shell'), expect: { status: 404, code: 'not_found', detail: /no route GET \/v1\/admin\/shell/ } },
  { name: 'a wrong method', kind: 'http', build: call('PATCH', () => '/v1/audits'), expect: { status: 404, code: 'not_found', detail: /no route PATCH/ } },
  { name: '64 KiB of headers', kind: 'http', build: call('GET', () => '/healthz', { headers: { 'x-pad': 'a'.repeat(64 * 1024) } }), expect: { status: 431, code: null } },
  { name: 'a JSON body instead of multipart', kind: 'http', build: call('POST', () => '/v1/audits', { headers: { 'content-type': 'application/json' }, body: Buffer.from(CONFIG) }), expect: { status: 415, code: 'unsupported_media_type', detail: /send multipart\/form-data/ } },
  { name: 'multipart without a boundary', kind: 'http', build: call('POST', () => '/v1/audits', { headers: { 'content-type': 'multipart/form-data' }, body: multipart({ config: CONFIG }) }), expect: { status: 400, code: 'usage', detail: /^malformed multipart request/ } },
  { name: 'a multipart body that is garbage', kind: 'http', build: call('POST', () => '/v1/audits', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: Buffer.alloc(4096, 0x41) }), expect: { status: 400, code: 'usage', detail: /^malformed multipart request/ } },
  { name: 'a multipart body without its closing boundary', kind: 'http', build: (c) => { const b = multipart({ model: cnn(), config: CONFIG }); return call('POST', () => '/v1/audits', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: b.subarray(0, b.length - BOUNDARY.length - 6) })(c); }, expect: { status: 400, code: 'usage', detail: /^malformed multipart request/ } },
  { name: 'config that is not JSON', kind: 'http', build: upload({ config: '{eps: 0.1' }), expect: { status: 400, code: 'usage', detail: /^config: not valid JSON/ } },
  { name: 'config with an unknown key', kind: 'http', build: upload({ config: JSON.stringify({ eps: 0.1, n: 4, shell: 'rm -rf /' }) }), expect: { status: 400, code: 'usage', detail: /config: .*Unrecognized key: "shell"/ } },
  { name: 'eps below zero', kind: 'http', build: upload({ config: JSON.stringify({ eps: -0.1, n: 4 }) }), expect: { status: 400, code: 'usage', detail: /config: eps: Too small/ } },
  { name: 'eps that is not a number', kind: 'http', build: upload({ config: JSON.stringify({ eps: '1e999/0', n: 4 }) }), expect: { status: 400, code: 'usage', detail: /config: eps: eps '1e999\/0' divides by zero/ } },
  { name: 'n larger than the set', kind: 'http', build: upload({ config: JSON.stringify({ eps: 0.1, n: 1_000_000 }) }), expect: { status: 400, code: 'usage', detail: /config\.n = 1000000 but the evaluation set has \d+ points/ } },
  { name: 'a config part over 16 KiB', kind: 'http', build: upload({ config: JSON.stringify({ eps: 0.1, pad: 'x'.repeat(20_000) }) }), expect: { status: 413, code: 'payload_too_large', detail: /^config: larger than the limit of 16 KiB/ } },
  { name: 'no model part', kind: 'http', build: upload({ model: undefined }), expect: { status: 400, code: 'usage', detail: /missing the 'model' file/ } },
  { name: 'an unknown multipart field', kind: 'http', build: upload({ backdoor: 'x' }), expect: { status: 400, code: 'usage', detail: /unknown field 'backdoor'/ } },
  { name: 'a list query with limit=100000', kind: 'http', build: call('GET', () => '/v1/audits?limit=100000'), expect: { status: 400, code: 'usage', detail: /limit: Too big/ } },
  { name: 'verify without a file part', kind: 'http', build: verify(() => ({ model: cnn() })), expect: { status: 400, code: 'usage', detail: /missing the 'file' part/ } },
  { name: 'an upload whose client hangs up mid-body', kind: 'http', build: (c) => ({ raw: Buffer.concat([Buffer.from(rawHead(c, 10 * MB)), multipart({ model: cnn() }).subarray(0, 20_000)]), hangUp: true }), expect: { status: null } },
  { name: 'an upload whose body is shorter than its Content-Length', kind: 'http', build: (c) => ({ raw: Buffer.concat([Buffer.from(rawHead(c, 10 * MB)), multipart({ model: cnn(), data: mnist(), config: CONFIG })]) }), expect: { status: 408, code: 'request_timeout', detail: /no upload data for 1\.5 s/ } },
  { name: 'a request smuggling attempt (Content-Length and Transfer-Encoding)', kind: 'http', build: (c) => ({ raw: Buffer.from(rawHead(c, 5, 'Transfer-Encoding: chunked\r\n') + '0\r\n\r\nGET /v1/audits HTTP/1.1\r\n\r\n') }), expect: { status: 400, code: null } },
  {
    name: 'unauthenticated requests over the rate limit', kind: 'http',
    before: async (c) => { for (let i = 0; i < c.rateLimitPerMinute; i++) await send(c.port, 'GET', '/v1/keys', {}); },
    build: call('GET', () => '/v1/keys', { key: () => null }), expect: { status: 429, code: 'rate_limited' },
  },
];
