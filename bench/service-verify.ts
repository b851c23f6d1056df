/**
 * The hostile-verify scenario of `npm run bench:service -- --scenario hostile-verify` (issue 12,
 * deliverable 1): while `--verifies` POST /v1/verify uploads of a generated 64 MiB PDF with
 * thousands of /ByteRange entries go in (`--verify-concurrency` at a time), GET /healthz is
 * polled one request after the other from the benchmark process; it prints the /healthz latency
 * quantiles, the verify answers and latencies, and PASS when /healthz p99 < --budget ms and every
 * verify was a clean refusal (200, valid: false). The file is generated in a temporary folder.
 */
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sampleReport } from '../src/audit/testing/sample-report';
import { loadOrCreateSigningKey, signReportPdf } from '../src/report/sign';
import { hostileSignaturePdf, signatureContentsHex } from '../src/report/sign/testing/hostile-pdfs';
import { pdfkitPdf } from '../src/report/sign/testing/pdfs';

/** What the scenario needs from the benchmark's harness. */
export interface HostileVerifyContext {
  url: string;
  key: string;
  verifies: number;
  concurrency: number;
  budget: number;
  summary: (ms: number[]) => { n: number; p50: number; p95: number; p99: number; max: number };
  fmt: (x: number) => string;
}

/** Signature dictionaries in the generated PDF. */
const SIGNATURES = 4000;
const PDF_BYTES = 64 * 1024 * 1024 - 4096;

/** Runs the scenario and prints its table; resolves to PASS (true) or FAIL. */
export async function hostileVerifyScenario(c: HostileVerifyContext): Promise<boolean> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gauntlet-bench-verify-'));
  try {
    const env = { GAUNTLET_KEY_DIR: path.join(dir, 'keys') };
    const signed = signReportPdf(await pdfkitPdf(1), sampleReport(), loadOrCreateSigningKey({ env }), [], { env });
    const file = path.join(dir, 'hostile.pdf');
    writeFileSync(file, hostileSignaturePdf({ signatures: SIGNATURES, bytes: PDF_BYTES, contentsHex: signatureContentsHex(signed) }));
    await (await fetch(`${c.url}/healthz`)).arrayBuffer();

    const verifies: { status: number; ms: number; body: string }[] = [];
    let next = 0;
    const t0 = performance.now();
    const sender = async () => {
      while (next < c.verifies) {
        next++;
        const form = new FormData();
        form.append('file', await openAsBlob(file), 'report.pdf');
        const s0 = performance.now();
        const res = await fetch(`${c.url}/v1/verify`, { method: 'POST', body: form, headers: { authorization: `Bearer ${c.key}` } });
        verifies.push({ status: res.status, body: await res.text(), ms: performance.now() - s0 });
      }
    };
    let done = false;
    const sending = Promise.all(Array.from({ length: Math.min(c.concurrency, c.verifies) }, sender)).finally(() => { done = true; });
    const health: number[] = [];
    let healthBad = 0;
    while (!done) {
      const h0 = performance.now();
      const res = await fetch(`${c.url}/healthz`);
      await res.arrayBuffer();
      health.push(performance.now() - h0);
      if (res.status !== 200) healthBad++;
      await new Promise((r) => setTimeout(r, 10));
    }
    await sending;
    const wall = (performance.now() - t0) / 1000;
    const refused = verifies.filter((v) => v.status === 200 && /"valid":false/.test(v.body) && /refused unchecked/.test(v.body)).length;
    const h = c.summary(health), v = c.summary(verifies.map((x) => x.ms));
    const pass = h.p99 < c.budget && healthBad === 0 && refused === c.verifies;
    console.log(`Hostile-verify scenario — ${c.verifies} POST /v1/verify of a generated ${(PDF_BYTES / 2 ** 20).toFixed(0)} MiB PDF with ${SIGNATURES} /ByteRange entries, ${Math.min(c.concurrency, c.verifies)} at a time; /healthz polled one after the other (10 ms apart) from the benchmark process`);
    console.log(`command: npm run bench:service -- --scenario hostile-verify --verifies ${c.verifies} --verify-concurrency ${c.concurrency} --budget ${c.budget}`);
    console.log(`window: ${wall.toFixed(1)} s`);
    console.log('');
    console.log('| requests | n | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(`| GET /healthz during the verifies | ${h.n} | ${c.fmt(h.p50)} | ${c.fmt(h.p95)} | ${c.fmt(h.p99)} | ${c.fmt(h.max)} |`);
    console.log(`| POST /v1/verify (64 MiB upload + verification) | ${v.n} | ${c.fmt(v.p50)} | ${c.fmt(v.p95)} | ${c.fmt(v.p99)} | ${c.fmt(v.max)} |`);
    console.log('');
    console.log(`verify answers: ${refused}/${c.verifies} refused cleanly (200, valid: false, "refused unchecked"); /healthz: ${healthBad} not 200`);
    for (const x of verifies.filter((y) => !(y.status === 200 && /refused unchecked/.test(y.body))).slice(0, 3)) console.log(`unexpected verify answer: ${x.status} ${x.body.slice(0, 300)}`);
    console.log(`${pass ? 'PASS' : 'FAIL'}: p99 of /healthz ${c.fmt(h.p99)} ms ${h.p99 < c.budget ? '<' : '>='} ${c.budget} ms`);
    return pass;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
