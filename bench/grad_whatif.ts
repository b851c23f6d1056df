/**
 * What-if timing of the gradient graphs: builds each fixture's CE gradient graph exactly as the
 * runtime does (prepareModel → buildGradientModel), then applies candidate rewrites of the
 * emitted rule subgraphs (graph surgery here, nothing in src/ changes) and times the whole
 * graph before and after, checking that logits/loss/grad are unchanged.
 *
 *   npm run build && node dist/bench/grad_whatif.js [--models cnn,resnet] [--batch 128] [--threads 2] [--reps 30]
 *
 * Rewrites (each applied alone, then all together):
 *   relu-mul   Where(cond, dy, 0) → Mul(dy, Cast(cond))         (Relu / mask rules)
 *   conv-flip  ConvTranspose(dy, W) with constant W, stride 1, dilation 1, group 1, no
 *              output_padding, more than one output channel → Conv(dy, flip(W)ᵀ, pads k−1−p)
 *   unpool     MaxPool-Indices + ScatterElements(add) with non-overlapping windows →
 *              MaxUnpool(dy, Indices)
 * Caveat of relu-mul: 0·inf = NaN where Where gives 0 (only matters for non-finite dy).
 *
 * These three rewrites have since moved into the rules themselves (docs/performance.md): on graphs
 * built by the current rules the fixtures' cells read "(n/a)": nothing left to rewrite.
 */
import { readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { readNpz } from '../src/data';
import { decodeModel } from '../src/onnx/decode';
import { encodeModel } from '../src/onnx/encode';
import { Model } from '../src/onnx/ir';
import { Rewrite, clone, convFlip, reluMul, unpool } from './whatif-rewrites';
import { buildGradientModel } from '../src/autodiff/builder';
import { prepareModel } from '../src/model/prepare';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'fixtures');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, threads: number, reps: number): Promise<{ ms: number; out: Record<string, Float32Array> }> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  let res = await s.run(feeds);
  for (let i = 0; i < 2; i++) res = await s.run(feeds);
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await s.run(feeds);
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await s.release();
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(res)) out[k] = v.data as Float32Array;
  return { ms: median(ts), out };
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / Math.max(s, 1e-30);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 && argv[i + 1] ? argv[i + 1] : d; };
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { models: Record<string, { onnx: string; eval: string }> };
  const models = get('--models', 'cnn,resnet,cnn_softmax,tf_nhwc,matlab_opset8').split(',').filter(Boolean);
  const batch = Number(get('--batch', '128'));
  const threads = Number(get('--threads', String(os.availableParallelism())));
  const reps = Number(get('--reps', '30'));
  const variants: [string, Rewrite[]][] = [['relu-mul', [reluMul]], ['conv-flip', [convFlip]], ['unpool', [unpool]], ['all three', [reluMul, convFlip, unpool]]];
  const L = [`# Gradient graph what-if (batch ${batch}, ${threads} threads, median of ${reps}, onnxruntime-node ${ort.env.versions?.node ?? '?'})`, '',
    '| model | forward ms | gradient ms (as built) | ' + variants.map(([v]) => `${v} ms`).join(' | ') + ' | grad/forward as built → all three | max rel diff of grad (all three) |',
    '|---|---:|---:|' + variants.map(() => '---:|').join('') + '---:|---:|'];
  const details: string[] = [];
  for (const model of models) {
    const entry = manifest.models[model];
    const prepared = await prepareModel(readFileSync(path.join(FIXTURES, entry.onnx)), { intraOpThreads: threads });
    const base = buildGradientModel(decodeModel(prepared.bytes), { loss: 'ce', shapes: prepared.shapes });
    const fwdModel = decodeModel(prepared.bytes);
    const fwd: Model = { ...fwdModel, graph: { ...fwdModel.graph, outputs: [{ name: prepared.logits, dtype: 'float32' }] } };
    const data = readNpz(readFileSync(path.join(FIXTURES, entry.eval)), { only: ['x', 'y'] });
    const xs = data.get('x')!.data as Float32Array, ys = data.get('y')!.data as BigInt64Array;
    const n = prepared.info.batched ? batch : 1, per = xs.length / ys.length;
    const x = new Float32Array(n * per), y = new BigInt64Array(n);
    for (let i = 0; i < n; i++) { x.set(xs.subarray((i % ys.length) * per, ((i % ys.length) + 1) * per), i * per); y[i] = ys[i % ys.length]; }
    const xt = new ort.Tensor('float32', x, prepared.info.batched ? [n, ...prepared.info.inputShape] : prepared.sampleShape);
    const feeds = { [base.io.x]: xt, [base.io.labels]: new ort.Tensor('int64', y, [n]) };
    const f = await run(encodeModel(fwd), { [prepared.input]: xt }, threads, reps);
    const b = await run(encodeModel(base.model), feeds, threads, reps);
    const cells: string[] = [];
    let allMs = NaN, allDiff = NaN;
    for (const [v, rws] of variants) {
      const m = clone(base.model);
      const counts = rws.map((r) => r(m));
      if (counts.every((c) => c === 0)) { cells.push('(n/a)'); continue; }
      const r = await run(encodeModel(m), feeds, threads, reps);
      const d = relDiff(r.out[base.io.grad], b.out[base.io.grad]);
      cells.push(`${r.ms.toFixed(2)} (${counts.join('+')} nodes)`);
      details.push(`- ${model} ${v}: ${counts.join('+')} rewritten, max rel diff grad ${d.toExponential(1)}, logits ${relDiff(r.out[base.io.logits], b.out[base.io.logits]).toExponential(1)}`);
      if (v === 'all three') { allMs = r.ms; allDiff = d; }
    }
    L.push(`| ${model} | ${f.ms.toFixed(2)} | ${b.ms.toFixed(2)} | ${cells.join(' | ')} | ${(b.ms / f.ms).toFixed(1)} → ${Number.isNaN(allMs) ? 'n/a' : (allMs / f.ms).toFixed(1)} | ${Number.isNaN(allDiff) ? 'n/a' : allDiff.toExponential(1)} |`);
  }
  process.stdout.write([...L, '', ...details, ''].join('\n'));
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`grad_whatif failed: ${(e as Error).stack ?? e}\n`); process.exit(1); });
