/**
 * POST /v1/verify against hostile uploads on a real server (issue 12, deliverable 1): the
 * verification runs off the event loop, so /healthz keeps answering (p99 < 100 ms) while a 64 MiB
 * PDF with thousands of /ByteRange entries, or a large envelope plus a large model, is verified;
 * the answers are clean refusals; no answer names a server path. The files are generated here
 * (nothing committed); the uploads come from a separate node process so the client's own work
 * does not share the server's event loop.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { attestReport, buildStatement, loadOrCreateSigningKey, pdfReportSummary, serializeEnvelopes, signPdf, signStatement } from '../src/report/sign';
import { hostileSignaturePdf, signatureContentsHex } from '../src/report/sign/testing/hostile-pdfs';
import { pdfkitPdf } from '../src/report/sign/testing/pdfs';
import { lowerPriority } from '../src/util/priority';
import { startTestService, TestService } from './support/service';

jest.setTimeout(180_000);

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-svc-verify-'));
let t: TestService;
let key: string;
beforeAll(async () => {
  t = await startTestService();
  key = t.key('mallory');
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Script of the uploading process: POSTs the files in argv as multipart, prints status and body. */
const UPLOADER = `
const [url, key, parts] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
(async () => {
  const { openAsBlob } = require('node:fs');
  const form = new FormData();
  for (const [field, p] of Object.entries(parts)) {
    if (typeof p === 'string') form.append(field, p);
    else form.append(field, await openAsBlob(p.path), p.name);
  }
  const res = await fetch(url, { method: 'POST', body: form, headers: { authorization: 'Bearer ' + key } });
  process.stdout.write(JSON.stringify({ status: res.status, body: await res.json() }));
})().catch((e) => { process.stderr.write(String(e)); process.exit(1); });`;

/** POSTs `parts` ({ field: { path, name } }, or text) from a child process. */
function postFromChild(url: string, parts: Record<string, { path: string; name: string } | string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', UPLOADER, url, key, JSON.stringify(parts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    lowerPriority(child.pid, 19); // a client would sit on another machine: keep it from competing with the server
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`uploader failed: ${err}`))));
  });
}

/**
 * Script of the polling process: GET /healthz one after the other (10 ms apart) until its stdin
 * closes, then prints the latencies (ms) and statuses. A separate process, so a blocked server
 * loop cannot also stop the clock that measures it.
 */
const POLLER = `
const url = process.argv[1];
let stop = false;
process.stdin.on('end', () => { stop = true; }).resume();
(async () => {
  const ms = [], statuses = [];
  await (await fetch(url)).arrayBuffer(); // warm-up: the first fetch of a process pays for its own setup
  process.stdout.write('ready\\n');
  while (!stop) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    ms.push(performance.now() - t0);
    statuses.push(res.status);
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(JSON.stringify({ ms, statuses }));
})();`;

/** The q-quantile (nearest rank) of `xs`. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * The /healthz bound: p99 under 100 ms, and no answer slower than 1 s. Measured on the shared
 * 2-CPU VM at load average 8-11 from other sessions: p99 30-61 ms, max 68-278 ms over 360-800
 * polls; the single slow answers are CPU starvation of the server process (its loop-delay
 * histogram rose the same), not a blocked loop. A verification on the loop blocked it 2.9 s for
 * the envelope, and hours for the PDF.
 */
function expectResponsive(ms: number[]): void {
  expect(quantile(ms, 0.99)).toBeLessThan(100);
  expect(Math.max(...ms)).toBeLessThan(1000);
}

/** Peak RSS of this process (the server's) since the last reset, bytes (Linux VmHWM). */
function peakRss(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
}

/**
 * Polls /healthz from a child process while `start()` runs; returns its result, each latency
 * (ms), and how much the server process's peak RSS rose above its RSS at the start.
 */
async function healthWhile<T>(start: () => Promise<T>): Promise<{ result: T; ms: number[]; statuses: number[]; rssRise: number }> {
  const poller = spawn(process.execPath, ['-e', POLLER, `${t.url}/healthz`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => poller.stdout.on('data', (d) => { out += d; if (out.startsWith('ready\n')) resolve(); }));
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const rss0 = process.memoryUsage.rss();
  const result = await start();
  const rssRise = peakRss() - rss0;
  const ended = new Promise((r) => poller.on('close', r));
  poller.stdin.end();
  await ended;
  const polled = JSON.parse(out.slice('ready\n'.length)) as { ms: number[]; statuses: number[] };
  if (process.env.DEBUG_HEALTH) console.log(`healthz p99 ${quantile(polled.ms, 0.99).toFixed(1)} ms, max ${Math.max(...polled.ms).toFixed(1)} ms over ${polled.ms.length} polls; server peak RSS +${(rssRise / 2 ** 20).toFixed(0)} MiB`);
  return { result, ...polled, rssRise };
}

describe('POST /v1/verify off the event loop', () => {
  it('when a hostile 64 MiB PDF (4000 /ByteRange entries) is verified then /healthz stays responsive (p99 < 100 ms) and the PDF is refused', async () => {
    const signingKey = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'keys') } });
    const signed = signPdf(await pdfkitPdf(1), signingKey, { env: { GAUNTLET_KEY_DIR: join(dir, 'keys') }, summary: pdfReportSummary(sampleReport()) });
    const file = join(dir, 'hostile.pdf');
    writeFileSync(file, hostileSignaturePdf({ signatures: 4000, bytes: 64 * 1024 * 1024 - 4096, contentsHex: signatureContentsHex(signed) }));
    const { result, ms, statuses } = await healthWhile(() => postFromChild(`${t.url}/v1/verify`, { file: { path: file, name: 'report.pdf' } }));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ valid: false, kind: 'pdf', problems: ['the PDF has more than 16 signature dictionaries (/ByteRange entries), the most accepted: refused unchecked'] });
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(ms.length).toBeGreaterThan(5);
    // the previous verifier hashed the whole file once per /ByteRange on the event loop: hours for this file
    expectResponsive(ms);
  });

  it('when a 24 MB envelope and a 96 MB model are verified then /healthz stays responsive (p99 < 100 ms) and the server does not hold them in memory', async () => {
    const envelope = join(dir, 'big.intoto.jsonl');
    writeFileSync(envelope, `${JSON.stringify({ payload: Buffer.alloc(18 * 1024 * 1024, 'x').toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ keyid: 'k', sig: 'AAAA' }] })}\n`);
    const model = join(dir, 'big.onnx');
    writeFileSync(model, '');
    truncateSync(model, 96 * 1024 * 1024); // a sparse file: the test process holds none of it
    const { result, ms, rssRise } = await healthWhile(() => postFromChild(`${t.url}/v1/verify`, { file: { path: envelope, name: 'big.intoto.jsonl' }, model: { path: model, name: 'big.onnx' } }));
    expect(result.status).toBe(200);
    expect(result.body.valid).toBe(false);
    expect(result.body.problems[0]).toMatch(/the signature is by another key \(keyid k\)/);
    expect(result.body.problems[1]).toBe('cannot check model big.onnx: the signed content names no model digest');
    // measured: peak RSS +0-41 MiB; the previous route read and parsed both on the loop: /healthz
    // waited 2921 ms, peak RSS +155 MiB
    expectResponsive(ms);
    expect(rssRise).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('POST /v1/verify answers name uploads, never server paths', () => {
  it('when the file is neither a PDF nor an envelope then the 400 names the upload, not its blob path', async () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'just text');
    const r = await postFromChild(`${t.url}/v1/verify`, { file: { path: notes, name: 'notes.txt' } });
    expect(r.status).toBe(400);
    expect(r.body.detail).toBe('notes.txt: neither a PDF nor a DSSE envelope file (.intoto.jsonl / .json)');
    expect(JSON.stringify(r.body)).not.toContain(t.home);
  });

  it('when model and data do not match then every message names the uploads\' filenames', async () => {
    const att = join(dir, 'report.intoto.jsonl');
    writeFileSync(att, attestReport(sampleReport(), loadOrCreateSigningKey({ env: { GAUNTLET_HOME: t.home } })).jsonl); // the service's key
    const m = join(dir, 'm.onnx');
    writeFileSync(m, 'model');
    const r = await postFromChild(`${t.url}/v1/verify`, { file: { path: att, name: 'report.intoto.jsonl' }, model: { path: m, name: 'cnn.onnx' } });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(false);
    expect(JSON.stringify(r.body)).not.toContain(t.home);
    expect(r.body.problems.join('\n')).toMatch(/model cnn\.onnx does not match the signed model/);
  });
});

describe('POST /v1/verify: every signature, all must verify', () => {
  it('when an attestation carries an extra signature by another key then it is invalid by default, valid with policy=any, and other policies are refused', async () => {
    const service = loadOrCreateSigningKey({ env: { GAUNTLET_HOME: t.home } });
    const other = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'other') } });
    const a = signStatement(buildStatement(sampleReport()), service);
    const b = signStatement(buildStatement(sampleReport()), other);
    const f = join(dir, 'two.intoto.jsonl');
    writeFileSync(f, serializeEnvelopes([{ ...a, signatures: [...a.signatures, ...b.signatures] }]));
    const all = await postFromChild(`${t.url}/v1/verify`, { file: { path: f, name: 'two.intoto.jsonl' } });
    expect(all.status).toBe(200);
    expect(all.body.valid).toBe(false);
    expect(all.body.signatures.map((x: { status: string }) => x.status)).toEqual(['valid', 'unknown-key']);
    expect(all.body.problems[0]).toMatch(/^signature 2 of 2 \(keyid [0-9a-f]{64}\) is by a key that is not accepted/);
    const any = await postFromChild(`${t.url}/v1/verify`, { file: { path: f, name: 'two.intoto.jsonl' }, policy: 'any' });
    expect(any.body).toMatchObject({ valid: true, problems: [] });
    const bad = await postFromChild(`${t.url}/v1/verify`, { file: { path: f, name: 'two.intoto.jsonl' }, policy: 'most' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('policy must be one of all, any');
  });
});

/** Pids of this process's children running the verifier. */
function verifierChildren(): string[] {
  return readdirSync('/proc/self/task').flatMap((task) => {
    try { return readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { return []; }
  }).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('verify-process'); } catch { return false; }
  });
}

describe('POST /v1/verify: a client that goes away', () => {
  it('when the client disconnects during the verification then its verifier process is killed at once', async () => {
    // 16 signatures each covering 64 MiB: the most work the caps allow (5 s measured at load 8)
    const signingKey = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'keys') } });
    const signed = signPdf(await pdfkitPdf(1), signingKey, { env: { GAUNTLET_KEY_DIR: join(dir, 'keys') } });
    const pdf = hostileSignaturePdf({ signatures: 16, bytes: 64 * 1024 * 1024 - 4096, contentsHex: signatureContentsHex(signed) });
    const boundary = 'gauntlet-verify-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const length = head.length + pdf.length + tail.length;
    const socket = connect(t.svc.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.on('error', () => undefined);
    socket.write(`POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(head);
    socket.write(pdf);
    socket.write(tail);
    let pids: string[] = [];
    for (const t0 = Date.now(); pids.length === 0 && Date.now() - t0 < 60_000;) {
      await new Promise((r) => setTimeout(r, 20));
      pids = verifierChildren();
    }
    expect(pids).toHaveLength(1);
    socket.destroy();
    const t0 = Date.now();
    while (verifierChildren().length > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    // measured: gone after 31 ms; without the abort it was still running when this loop gave up (5 s)
    if (process.env.DEBUG_HEALTH) console.log(`verifier gone after ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeLessThan(500);
  });
});
