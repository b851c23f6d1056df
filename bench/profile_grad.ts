/**
 * Where the gradient graph's time goes: builds the same forward and CE gradient graphs the
 * runtime builds (prepareModel → buildGradientModel), runs each with ONNX Runtime's session
 * profiling at one batch size, and sums kernel time per op type and per gradient rule (the
 * forward op whose rule emitted the node; rule nodes are named '<forward node>_Grad/...').
 *
 *   npm run build && node dist/bench/profile_grad.js [--models cnn,resnet] [--batch 128] [--threads 2] [--reps 20] [--stat median] [--whatif]
 *
 * --whatif profiles the gradient graph after the candidate rewrites of whatif-rewrites.ts.
 * --stat: each node's kernel time per run is its mean over the runs, or its median (default) or
 * 10th percentile: the percentiles are far less sensitive to other processes on a shared machine.
 *
 * A diagnostic companion of grad.ts (not part of `npm run bench:grad`). It talks to
 * onnxruntime-node directly because the runtime's Session wrapper does not expose profiling.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { readNpz } from '../src/data';
import { decodeModel } from '../src/onnx/decode';
import { encodeModel } from '../src/onnx/encode';
import { Model } from '../src/onnx/ir';
import { buildGradientModel } from '../src/autodiff/builder';
import { prepareModel } from '../src/model/prepare';
import { clone, convFlip, reluMul, unpool } from './whatif-rewrites';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'fixtures');
const WARMUP = 3;

type Stat = 'mean' | 'median' | 'p10';

interface ProfileEvent { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } }

interface Profile {
  /** Median wall ms per run (profiling on). */
  wallMs: number;
  /** Kernel µs per run by node name, and op type by node name. */
  byNode: Map<string, { op: string; us: number }>;
  /** Op types in ORT's optimised graph (after fusions / layout transforms). */
  optimizedOps: Map<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function profile(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, threads: number, reps: number, tag: string, stat: Stat): Promise<Profile> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-prof-'));
  try {
    const optimizedPath = path.join(dir, `${tag}-optimized.onnx`);
    const s = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1,
      executionMode: 'sequential', logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: path.join(dir, tag), optimizedModelFilePath: optimizedPath,
    });
    const wall: number[] = [];
    for (let i = 0; i < WARMUP + reps; i++) {
      const t0 = process.hrtime.bigint();
      await s.run(feeds);
      if (i >= WARMUP) wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    s.endProfiling();
    await s.release();
    const file = readdirSync(dir).find((f) => f.startsWith(tag) && f.endsWith('.json'));
    if (!file) throw new Error(`no profile written in ${dir}`);
    const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
    // Skip the warm-up runs: node events after the end of the WARMUP-th model_run.
    const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
    const from = runs.length > WARMUP ? runs[WARMUP - 1].ts + runs[WARMUP - 1].dur : 0;
    const counted = runs.length > WARMUP ? runs.length - WARMUP : Math.max(1, runs.length);
    const durations = new Map<string, { op: string; us: number[] }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
      const node = e.name.slice(0, -'_kernel_time'.length);
      const cur = durations.get(node) ?? { op: e.args?.op_name ?? '?', us: [] };
      cur.us.push(e.dur);
      durations.set(node, cur);
    }
    // Per node: mean over the runs, or a percentile of its per-run times (robust to other processes' load).
    const byNode = new Map<string, { op: string; us: number }>();
    for (const [node, { op, us }] of durations) {
      const sorted = [...us].sort((a, b) => a - b);
      const v = stat === 'mean' ? us.reduce((a, b) => a + b, 0) / counted : sorted[Math.floor(sorted.length * (stat === 'p10' ? 0.1 : 0.5))];
      byNode.set(node, { op, us: v });
    }
    const optimizedOps = new Map<string, number>();
    try {
      for (const n of decodeModel(readFileSync(optimizedPath)).graph.nodes) {
        const k = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
        optimizedOps.set(k, (optimizedOps.get(k) ?? 0) + 1);
      }
    } catch {
      // the optimised model may use constructs the decoder refuses; the op list is optional
    }
    return { wallMs: median(wall), byNode, optimizedOps };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sumBy<K>(m: Map<string, { op: string; us: number }>, key: (node: string, op: string) => K): Map<K, number> {
  const out = new Map<K, number>();
  for (const [node, v] of m) out.set(key(node, v.op), (out.get(key(node, v.op)) ?? 0) + v.us);
  return out;
}

const ms = (us: number) => (us / 1000).toFixed(3);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 && argv[i + 1] ? argv[i + 1] : d; };
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { models: Record<string, { onnx: string; eval: string }> };
  const models = get('--models', 'cnn,resnet,cnn_softmax,tf_nhwc,matlab_opset8').split(',').filter(Boolean);
  const batch = Number(get('--batch', '128'));
  const threads = Number(get('--threads', String(os.availableParallelism())));
  const reps = Number(get('--reps', '20'));
  const whatif = argv.includes('--whatif');
  const stat = get('--stat', 'median') as Stat;
  if (!['mean', 'median', 'p10'].includes(stat)) throw new Error(`--stat must be mean, median or p10, not ${stat}`);
  const L: string[] = [`# Gradient-graph profile${whatif ? ' with the grad_whatif rewrites applied' : ''} (batch ${batch}, ${threads} threads, ${reps} runs after ${WARMUP} warm-up, per-node ${stat} kernel time, onnxruntime-node ${ort.env.versions?.node ?? '?'})`, ''];

  for (const name of models) {
    const entry = manifest.models[name];
    let prepared;
    try {
      prepared = await prepareModel(readFileSync(path.join(FIXTURES, entry.onnx)), { intraOpThreads: threads });
    } catch (e) {
      L.push(`## ${name}`, '', `prepare failed: ${(e as Error).message.split('\n')[0]}`, '');
      continue;
    }
    const model: Model = decodeModel(prepared.bytes);
    const logitsMeta = prepared.shapes.get(prepared.logits)!;
    const fwd: Model = { ...model, graph: { ...model.graph, outputs: [{ name: prepared.logits, dtype: logitsMeta.dtype }] } };
    const gm = buildGradientModel(decodeModel(prepared.bytes), { loss: 'ce', shapes: prepared.shapes });
    if (whatif) {
      const m = clone(gm.model);
      [reluMul, convFlip, unpool].forEach((r) => r(m));
      gm.model = m;
    }
    const gradOps = new Map<string, number>();
    gm.model.graph.nodes.forEach((n) => gradOps.set(n.opType, (gradOps.get(n.opType) ?? 0) + 1));
    const fwdOpOf = new Map(model.graph.nodes.map((n) => [n.name, n.opType]));

    const data = readNpz(readFileSync(path.join(FIXTURES, entry.eval)), { only: ['x', 'y'] });
    const xs = data.get('x')!.data as Float32Array;
    const ys = data.get('y')!.data as BigInt64Array;
    const n = prepared.info.batched ? batch : 1;
    const per = xs.length / ys.length;
    const x = new Float32Array(n * per);
    const y = new BigInt64Array(n);
    for (let i = 0; i < n; i++) { x.set(xs.subarray((i % ys.length) * per, ((i % ys.length) + 1) * per), i * per); y[i] = ys[i % ys.length]; }
    const dims = prepared.info.batched ? [n, ...prepared.info.inputShape] : prepared.sampleShape;
    const xt = new ort.Tensor('float32', x, dims);

    const pf = await profile(encodeModel(fwd), { [prepared.input]: xt }, threads, reps, `${name}-fwd`, stat);
    const pg = await profile(encodeModel(gm.model), { [gm.io.x]: xt, [gm.io.labels]: new ort.Tensor('int64', y, [n]) }, threads, reps, `${name}-grad`, stat);
    const totF = [...pf.byNode.values()].reduce((a, v) => a + v.us, 0);
    const totG = [...pg.byNode.values()].reduce((a, v) => a + v.us, 0);

    L.push(`## ${name} (batch ${n}${prepared.info.batched ? '' : ', per-sample model'})`, '');
    L.push(`wall ms/run with profiling: forward ${pf.wallMs.toFixed(3)}, gradient ${pg.wallMs.toFixed(3)} (ratio ${(pg.wallMs / pf.wallMs).toFixed(2)}); ` +
      `kernel sum: forward ${ms(totF)}, gradient ${ms(totG)}`, '');
    L.push(`gradient graph as built: ${gm.model.graph.nodes.length} nodes (${[...gradOps].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(', ')})`, '');
    L.push(`ORT-optimised forward graph: ${[...pf.optimizedOps].map(([k, v]) => `${k}×${v}`).join(', ') || '?'}`, '');
    L.push(`ORT-optimised gradient graph: ${[...pg.optimizedOps].map(([k, v]) => `${k}×${v}`).join(', ') || '?'}`, '');

    const byOpF = sumBy(pf.byNode, (_n, op) => op);
    const byOpG = sumBy(pg.byNode, (_n, op) => op);
    const ops = [...new Set([...byOpF.keys(), ...byOpG.keys()])].sort((a, b) => (byOpG.get(b) ?? 0) - (byOpG.get(a) ?? 0));
    L.push('| kernel (op type after ORT optimisation) | forward graph ms | gradient graph ms | share of gradient |', '|---|---:|---:|---:|');
    for (const op of ops) L.push(`| ${op} | ${ms(byOpF.get(op) ?? 0)} | ${ms(byOpG.get(op) ?? 0)} | ${(100 * (byOpG.get(op) ?? 0) / totG).toFixed(1)}% |`);
    L.push('');

    const origin = (node: string) => {
      const k = node.indexOf('_Grad/');
      if (k >= 0) {
        const src = node.slice(0, k);
        return fwdOpOf.has(src) ? `rule ${fwdOpOf.get(src)}` : 'loss / plumbing';
      }
      if (node.startsWith('loss') || node.startsWith('logits_out') || node.startsWith('grad_out') || node.startsWith('x_Grad')) return 'loss / plumbing';
      if (fwdOpOf.has(node)) return 'forward (recomputed inside the gradient graph)';
      return 'other (ORT-created or fused)';
    };
    const byOrigin = sumBy(pg.byNode, (node) => origin(node));
    L.push('| gradient graph, by origin | ms | share |', '|---|---:|---:|');
    for (const [k, v] of [...byOrigin].sort((a, b) => b[1] - a[1])) L.push(`| ${k} | ${ms(v)} | ${(100 * v / totG).toFixed(1)}% |`);
    L.push('');
    const top = [...pg.byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 8);
    L.push('| slowest gradient-graph nodes | op | ms |', '|---|---|---:|');
    for (const [node, v] of top) L.push(`| \`${node}\` | ${v.op} | ${ms(v.us)} |`);
    L.push('');
  }
  process.stdout.write(L.join('\n') + '\n');
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`profile_grad failed: ${(e as Error).stack ?? e}\n`); process.exit(1); });
