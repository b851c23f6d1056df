/**
 * Upload lifecycle over raw sockets: aborted uploads leave no descriptor and no partial file, a
 * stalled upload is answered 408, a client that hangs up during inspection gets no job, and a
 * restart sweeps what a crash left in the blob store.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceConfig, ServiceConfig } from '../src/config/service';
import { createApiKey } from '../src/jobs/api-keys';
import { createLogger } from '../src/logging/logger';
import { RunningService, startService } from '../src/server/start';
import { CNN, MNIST, get } from './support/service';

jest.setTimeout(60_000);

const IDLE_MS = 1500;
const BODY_MS = 4000;
const BOUNDARY = 'gauntlet-test-boundary';
const home = mkdtempSync(join(tmpdir(), 'gauntlet-up-'));
const incoming = join(home, 'blobs', 'incoming');
const blobDir = join(home, 'blobs', 'sha256');
let svc: RunningService;
let url: string;
let key: string;

async function start(): Promise<void> {
  const config: ServiceConfig = {
    ...loadServiceConfig({ GAUNTLET_HOME: home }), port: 0, host: '127.0.0.1', logLevel: 'silent',
    uploadTimeouts: { idleMs: IDLE_MS, bodyMs: BODY_MS },
  };
  svc = await startService(config, { logger: createLogger('silent') });
  url = `http://127.0.0.1:${svc.port}`;
}

beforeAll(async () => {
  await start();
  key = createApiKey(svc.store, 'eve', 'tenant').key;
});
afterAll(async () => {
  await svc?.close();
  rmSync(home, { recursive: true, force: true });
});

const openFds = () => readdirSync('/proc/self/fd').length;
const entries = (dir: string) => readdirSync(dir).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it is true or `ms` pass; returns its last value. */
async function until(f: () => boolean, ms = 5000): Promise<boolean> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) return false;
    await sleep(25);
  }
  return true;
}

/** Pids of this process's children. */
function children(): string[] {
  return readdirSync('/proc/self/task').flatMap((t) => {
    try { return readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { return []; }
  });
}

/** A process's command line, to name a child that outlived the test. */
function commandLine(pid: string): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 300); } catch { return `${pid} (gone)`; }
}

const filePart = (name: string, filename: string) =>
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
const textPart = (name: string, value: string) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
const head = (length: number) => Buffer.from(
  `POST /v1/audits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n`
  + `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${length}\r\n\r\n`);

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(svc.port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** Opens an upload that announces 10 MB and sends the headers and 64 KiB of a model file. */
async function partialUpload(): Promise<Socket> {
  const s = await open();
  s.on('error', () => { /* the test destroys it */ });
  s.write(Buffer.concat([head(10 * 1024 * 1024), filePart('model', 'm.onnx'), Buffer.alloc(64 * 1024, 7)]));
  return s;
}

describe('when uploads are aborted', () => {
  it('when 100 clients disconnect mid-body then the descriptors and the incoming folder are back where they started', async () => {
    expect((await get(`${url}/healthz`, null)).status).toBe(200); // warm up lazily opened descriptors
    await sleep(100);
    const fds0 = openFds();
    const incoming0 = entries(incoming);
    const blobs0 = entries(blobDir);
    for (let batch = 0; batch < 10; batch++) {
      const sockets = await Promise.all(Array.from({ length: 10 }, partialUpload));
      // every upload is being written to a partial file before its client goes
      expect(await until(() => entries(incoming).length >= incoming0.length + 10)).toBe(true);
      for (const s of sockets) s.destroy();
    }
    const clean = await until(() => openFds() <= fds0 && entries(incoming).length === incoming0.length);
    expect({ clean, fds: openFds(), incoming: entries(incoming) }).toEqual({ clean: true, fds: expect.any(Number), incoming: incoming0 });
    expect(openFds()).toBeLessThanOrEqual(fds0);
    expect(entries(blobDir)).toEqual(blobs0);
    expect((await get(`${url}/v1/audits`, key)).body.items).toEqual([]);
  });
});

/** The server's answer on `s` (empty when none came within `ms`). */
function replyOf(s: Socket, ms: number): Promise<string> {
  return new Promise<string>((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    s.on('close', () => resolve(text));
    setTimeout(() => { s.destroy(); resolve(text); }, ms);
  });
}

describe('when an upload stalls', () => {
  it('when no bytes arrive for the idle timeout then the answer is 408 problem+json and the partial file is gone', async () => {
    const s = await partialUpload();
    const t0 = Date.now();
    const reply = await replyOf(s, IDLE_MS + 5000);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(reply).toMatch(/content-type: application\/problem\+json/i);
    expect(reply).toMatch(/"code":"request_timeout"/);
    expect(Date.now() - t0).toBeLessThan(IDLE_MS + 3000);
    expect(await until(() => entries(incoming).length === 0)).toBe(true);
  });

  it('when a body trickles in past the body timeout then the answer is 408 and the partial file is gone', async () => {
    const s = await partialUpload();
    const trickle = setInterval(() => { if (!s.destroyed) s.write(Buffer.alloc(1024, 7)); }, IDLE_MS / 3);
    const t0 = Date.now();
    try {
      const text = await replyOf(s, BODY_MS + 5000);
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text).toMatch(/took longer than 4 s/);
      expect(Date.now() - t0).toBeGreaterThan(BODY_MS - 1000);
    } finally {
      clearInterval(trickle);
    }
    expect(await until(() => entries(incoming).length === 0)).toBe(true);
  });
});

describe('when a client disconnects during inspection', () => {
  it('when the client hangs up after its upload is stored then no audit is created and its blobs are collected', async () => {
    const body = Buffer.concat([
      filePart('model', 'cnn.onnx'), readFileSync(CNN), Buffer.from('\r\n'),
      filePart('data', 'mnist.npz'), readFileSync(MNIST), Buffer.from('\r\n'),
      textPart('config', JSON.stringify({ eps: 0.1, preset: 'quick', n: 10 })), Buffer.from(`--${BOUNDARY}--\r\n`),
    ]);
    const blobs0 = entries(blobDir);
    // Jest runs test files one after another in one worker: children of earlier files may still be
    // ending, so only the processes this request starts are followed.
    const before = new Set(children());
    const ours = () => children().filter((c) => !before.has(c));
    const s = await open();
    s.on('error', () => { /* destroyed below */ });
    s.write(Buffer.concat([head(body.length), body]));
    // both files stored and the inspector process started: the request is inside inspection
    expect(await until(() => entries(blobDir).length >= blobs0.length + 2, 10_000)).toBe(true);
    expect(await until(() => ours().length > 0, 10_000)).toBe(true);
    s.destroy();
    expect(await until(() => ours().length === 0, 30_000) || ours().map(commandLine)).toBe(true);
    await sleep(200);
    expect((await get(`${url}/v1/audits`, key)).body.items).toEqual([]);
    expect(await until(() => entries(blobDir).length === blobs0.length)).toBe(true);
  });
});

describe('when the service restarts after a crash', () => {
  it('when partial uploads and unreferenced blobs were left then the start-up sweep removes them', async () => {
    await svc.close();
    mkdirSync(incoming, { recursive: true });
    writeFileSync(join(incoming, `${Date.now()}-deadbeefdeadbeef`), Buffer.alloc(1000, 1));
    const orphan = join(blobDir, 'ab'.repeat(32));
    writeFileSync(orphan, 'left between storing and creating a job');
    await start();
    expect(entries(incoming)).toEqual([]);
    expect(existsSync(orphan)).toBe(false);
    expect((await get(`${url}/healthz`, null)).status).toBe(200);
  });
});
