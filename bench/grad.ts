/**
 * `npm run bench:grad`: forward vs loss-and-gradient time of every fixture model, and the
 * same CE loss + input gradient in PyTorch eager when /usr/bin/python3 has torch.
 *
 * Layout: the parent process runs one child process per (model, path) — path = in-process
 * ONNX Runtime or the worker pool — so that each child's peak RSS (getrusage maxRSS) belongs
 * to that model and path alone. A child measures its batches in increasing order, so the peak
 * after batch b covers everything up to b. Right after a model's children the parent runs
 * bench/torch_grad.py for that model, so both sides are timed within seconds of each other
 * (this matters on a shared machine). Timings: warm-up calls, then the median of repetitions
 * (at least MIN_REPS, more while the per-measurement budget lasts).
 *
 * Input: the fixture's real evaluation images (mnist-eval.npz, NHWC copy for tf_nhwc)
 * repeated to fill the batch (sample i = image i mod 500), labels alike.
 *
 * Options (after `--`): --models a,b  --batches 1,32,128  --threads N  --budget seconds
 *   --rounds R  --no-worker  --no-torch
 *
 * Rounds: the whole sequence (every model, both paths, torch) runs R times (default 3) and each
 * cell reports the lowest of its R medians; a cell whose round medians differ by more than 1.5×
 * is listed as noisy. Both sides are treated alike, so ratios stay fair.
 * Environment: BENCH_PYTHON (default /usr/bin/python3) runs bench/torch_grad.py.
 */
import { spawnSync } from 'child_process';
import { runPythonJson } from './support/python';
import { readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readNpz } from '../src/data';
import { NdArray } from '../src/data/npy';
import { ModelInfo } from '../src/model/model';
import { loadModel } from '../src/model/load';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'fixtures');
const TORCH_SCRIPT = path.join(ROOT, 'bench', 'torch_grad.py');
const CHILD_MARK = '@@bench-result ';
const MIN_REPS = 5;
const MAX_REPS = 50;
const WARMUP = 3;
/** Golden-gradient sanity check: a benchmark of a wrong graph would be meaningless. */
const GOLDEN_TOL = 1e-3;

type Path = 'inProcess' | 'worker';

interface Options {
  models: string[];
  batches: number[];
  threads: number;
  budget: number;
  /** Whole-benchmark repetitions; each cell reports its best per-round median (robust to bursts of load on shared machines). */
  rounds: number;
  worker: boolean;
  torch: boolean;
}

interface Row {
  batch: number;
  forwardMs?: number;
  gradMs?: number;
  forwardReps?: number;
  gradReps?: number;
  /** Peak RSS of the child process after this batch, MiB. */
  peakRssMB?: number;
  error?: string;
}

interface ChildResult {
  model: string;
  path: Path;
  info?: ModelInfo;
  loadMs?: number;
  baselineRssMB?: number;
  check?: { logitsMaxAbs: number; gradMaxAbs: number; gradMaxRel: number; ok: boolean };
  rows: Row[];
  error?: string;
}

interface TorchRow { model: string; batch: number; forward_ms: number; grad_ms: number }
interface TorchOut {
  status: 'ok' | 'no-torch' | 'error';
  message?: string;
  torch?: string;
  threads?: number;
  results?: TorchRow[];
  checks?: Record<string, { logits_max_abs: number }>;
}

interface Manifest {
  models: Record<string, { onnx: string; eval: string; golden: string; input_shape: (string | number)[] }>;
}

// ---------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): Options & { child?: { model: string; path: Path } } {
  const manifest = readManifest();
  const opts: Options & { child?: { model: string; path: Path } } = {
    models: Object.keys(manifest.models).sort(byFixtureOrder),
    batches: [1, 32, 128],
    threads: Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length),
    budget: 0.4,
    rounds: 3,
    worker: true,
    torch: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--models') opts.models = next().split(',').filter(Boolean);
    else if (a === '--batches') opts.batches = next().split(',').filter(Boolean).map(Number);
    else if (a === '--threads') opts.threads = Number(next());
    else if (a === '--budget') opts.budget = Number(next());
    else if (a === '--rounds') opts.rounds = Number(next());
    else if (a === '--no-worker') opts.worker = false;
    else if (a === '--no-torch') opts.torch = false;
    else if (a === '--child') {
      const [model, p] = next().split(':');
      opts.child = { model, path: p as Path };
    } else throw new Error(`unknown option ${a}`);
  }
  for (const m of opts.models) if (!manifest.models[m]) throw new Error(`unknown model '${m}' (fixtures/manifest.json has ${Object.keys(manifest.models).join(', ')})`);
  if (opts.batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error('--batches: positive integers');
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error('--threads: a positive integer');
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds: a positive integer');
  return opts;
}

const FIXTURE_ORDER = ['cnn', 'resnet', 'cnn_softmax', 'tf_nhwc', 'matlab_opset8'];
function byFixtureOrder(a: string, b: string): number {
  const ia = FIXTURE_ORDER.indexOf(a), ib = FIXTURE_ORDER.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

function readManifest(): Manifest {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(fn: () => Promise<unknown>, budgetS: number): Promise<{ ms: number; reps: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  while (times.length < MAX_REPS && (times.length < MIN_REPS || elapsed() < budgetS)) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), reps: times.length };
}

const maxRssMB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

function asFloat32(a: NdArray, what: string): Float32Array {
  if (!(a.data instanceof Float32Array)) throw new Error(`${what}: expected float32, found ${a.dtype}`);
  return a.data;
}

function asFloat64(a: NdArray, what: string): Float64Array {
  if (!(a.data instanceof Float64Array)) throw new Error(`${what}: expected float64, found ${a.dtype}`);
  return a.data;
}

function asInt32(a: NdArray): Int32Array {
  const d = a.data;
  return d instanceof BigInt64Array ? Int32Array.from(d, (v) => Number(v)) : Int32Array.from(d as ArrayLike<number>);
}

// ---------------------------------------------------------------------------------------------
// Child: one model, one path.

async function runChild(model: string, p: Path, opts: Options): Promise<ChildResult> {
  const entry = readManifest().models[model];
  const out: ChildResult = { model, path: p, rows: [] };
  const evalSet = readNpz(readFileSync(path.join(FIXTURES, entry.eval)), { only: ['x', 'y'] });
  const xs = asFloat32(evalSet.get('x')!, `${entry.eval} x`);
  const ys = asInt32(evalSet.get('y')!);
  const nEval = ys.length;
  const per = xs.length / nEval;

  out.baselineRssMB = maxRssMB();
  const t0 = Date.now();
  const m = await loadModel(readFileSync(path.join(FIXTURES, entry.onnx)), {
    provider: 'cpu', threads: opts.threads, inProcess: p === 'inProcess', ...(p === 'worker' ? { workers: 1 } : {}),
  });
  out.loadMs = Date.now() - t0;
  try {
    out.info = { ...m.info };
    const perModel = m.info.inputShape.reduce((a, b) => a * b, 1);
    if (perModel !== per) throw new Error(`model input ${JSON.stringify(m.info.inputShape)} (${perModel} values) vs eval data ${per} values per sample`);

    // Sanity: gradients of the first golden images against torch float64 autograd.
    const golden = readNpz(readFileSync(path.join(FIXTURES, entry.golden)), { only: ['x', 'y', 'logits', 'grad_ce'] });
    const gx = asFloat32(golden.get('x')!, 'golden x');
    const gy = asInt32(golden.get('y')!);
    const gLogits = asFloat64(golden.get('logits')!, 'golden logits');
    const gGrad = asFloat64(golden.get('grad_ce')!, 'golden grad_ce');
    const r = await m.lossAndGrad(gx.slice(), gy.length, gy, { loss: 'ce' });
    let logitsMaxAbs = 0, gradMaxAbs = 0, gradScale = 0;
    r.logits.forEach((v: number, i: number) => { logitsMaxAbs = Math.max(logitsMaxAbs, Math.abs(v - gLogits[i])); });
    r.grad.forEach((v: number, i: number) => {
      gradMaxAbs = Math.max(gradMaxAbs, Math.abs(v - gGrad[i]));
      gradScale = Math.max(gradScale, Math.abs(gGrad[i]));
    });
    const gradMaxRel = gradMaxAbs / Math.max(gradScale, 1e-12);
    out.check = { logitsMaxAbs, gradMaxAbs, gradMaxRel, ok: logitsMaxAbs < GOLDEN_TOL && gradMaxRel < GOLDEN_TOL };

    for (const n of opts.batches) {
      const x = new Float32Array(n * per);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        x.set(xs.subarray((i % nEval) * per, ((i % nEval) + 1) * per), i * per);
        y[i] = ys[i % nEval];
      }
      const row: Row = { batch: n };
      try {
        const f = await timed(() => m.predict(x, n), opts.budget);
        const g = await timed(() => m.lossAndGrad(x, n, y, { loss: 'ce' }), opts.budget);
        Object.assign(row, { forwardMs: f.ms, forwardReps: f.reps, gradMs: g.ms, gradReps: g.reps });
      } catch (e) {
        row.error = (e as Error).message.split('\n')[0];
      }
      row.peakRssMB = maxRssMB();
      out.rows.push(row);
      process.stderr.write(`  ${model} [${p}] batch ${n}: ` +
        (row.error ? `error: ${row.error}` : `forward ${row.forwardMs!.toFixed(3)} ms, lossAndGrad ${row.gradMs!.toFixed(3)} ms`) + '\n');
    }
  } finally {
    await m.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parent.

function childArgs(opts: Options): string[] {
  return ['--batches', opts.batches.join(','), '--threads', String(opts.threads), '--budget', String(opts.budget)];
}

function spawnChild(model: string, p: Path, opts: Options): ChildResult {
  const r = spawnSync(process.execPath, [__filename, '--child', `${model}:${p}`, ...childArgs(opts)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60 * 1000,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(CHILD_MARK));
  if (line) return JSON.parse(line.slice(CHILD_MARK.length)) as ChildResult;
  const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
  return { model, path: p, rows: [], error: `benchmark child failed: ${why}` };
}

function runTorch(models: string[], opts: Options): TorchOut {
  return runPythonJson<TorchOut>(TORCH_SCRIPT, ['--models', models.join(','), '--batches', opts.batches.join(','),
    '--threads', String(opts.threads), '--budget', String(opts.budget)], ROOT, 10 * 60 * 1000);
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const fmtMs = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(1));

function ortVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Best (lowest) per-round median per cell; peak RSS is the largest seen; a round's error is kept only if no round succeeded. */
function mergeRounds(prev: ChildResult | undefined, cur: ChildResult): ChildResult {
  if (!prev || prev.error) return cur.error && prev ? prev : cur;
  if (cur.error) return prev;
  const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  const rows = prev.rows.map((r) => {
    const q = cur.rows.find((x) => x.batch === r.batch);
    if (!q) return r;
    if (r.error) return q;
    if (q.error) return r;
    return { ...r, forwardMs: min(r.forwardMs, q.forwardMs), gradMs: min(r.gradMs, q.gradMs), forwardReps: (r.forwardReps ?? 0) + (q.forwardReps ?? 0),
      gradReps: (r.gradReps ?? 0) + (q.gradReps ?? 0), peakRssMB: Math.max(r.peakRssMB ?? 0, q.peakRssMB ?? 0) };
  });
  return { ...prev, rows };
}

async function runParent(opts: Options, argv: string[]): Promise<void> {
  const started = new Date();
  const load0 = os.loadavg();
  const results = new Map<string, ChildResult>();
  const torchRows = new Map<string, TorchRow>();
  const torchChecks: Record<string, number> = {};
  let torchStatus: TorchOut | undefined;
  let torchVersion = '';
  const paths: Path[] = opts.worker ? ['inProcess', 'worker'] : ['inProcess'];

  // Per cell, the spread of the per-round medians (max/min of lossAndGrad ms), to flag noisy cells.
  const gradRounds = new Map<string, number[]>();
  const keepRound = (key: string, ms: number | undefined) => {
    if (ms !== undefined) gradRounds.set(key, [...(gradRounds.get(key) ?? []), ms]);
  };
  for (let round = 1; round <= opts.rounds; round++) {
    for (const model of opts.models) {
      for (const p of paths) {
        process.stderr.write(`round ${round}/${opts.rounds}: ${model} [${p}]\n`);
        const c = spawnChild(model, p, opts);
        c.rows.forEach((r) => keepRound(`${model}:${p}:${r.batch}`, r.gradMs));
        results.set(`${model}:${p}`, mergeRounds(results.get(`${model}:${p}`), c));
      }
      if (opts.torch && torchStatus?.status !== 'no-torch' && torchStatus?.status !== 'error') {
        process.stderr.write(`round ${round}/${opts.rounds}: ${model} [torch]\n`);
        const t = runTorch([model], opts);
        torchStatus = t;
        if (t.status === 'error') torchRows.clear(); // abort the comparison as a whole
        if (t.status === 'ok') {
          torchVersion = `${t.torch} (${t.threads} threads)`;
          for (const r of t.results ?? []) {
            const key = `${r.model}:${r.batch}`;
            keepRound(`${key}:torch`, r.grad_ms);
            const prev = torchRows.get(key);
            torchRows.set(key, prev ? { ...r, forward_ms: Math.min(prev.forward_ms, r.forward_ms), grad_ms: Math.min(prev.grad_ms, r.grad_ms) } : r);
          }
          for (const [k, v] of Object.entries(t.checks ?? {})) torchChecks[k] = v.logits_max_abs;
        }
      }
    }
  }
  const load1 = os.loadavg();

  const L: string[] = [];
  const cpus = os.cpus();
  L.push('# Gauntlet gradient benchmark', '');
  L.push(`- date: ${started.toISOString()}`);
  L.push(`- command: \`npm run bench:grad${argv.length ? ' -- ' + argv.join(' ') : ''}\` (node dist/bench/grad.js${argv.length ? ' ' + argv.join(' ') : ''})`);
  L.push(`- machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`);
  L.push(`- threads used: ${opts.threads} (Gauntlet \`threads\` option${opts.torch ? '; torch.set_num_threads' : ''})`);
  L.push(`- onnxruntime-node ${ortVersion()}, Node ${process.version}` + (torchVersion ? `, torch ${torchVersion}` : ''));
  L.push(`- load average (1 min) before/after: ${load0[0].toFixed(2)} / ${load1[0].toFixed(2)}`);
  L.push(`- timing: ${WARMUP} warm-up calls, then median of ${MIN_REPS}–${MAX_REPS} repetitions (${opts.budget}s budget per measurement); ` +
    `best of ${opts.rounds} round median${opts.rounds > 1 ? 's' : ''}; loss 'ce'; real eval images repeated to fill the batch`);
  L.push('');
  if (opts.torch && torchStatus?.status === 'no-torch') L.push(`torch: not installed, ratio skipped (${torchStatus.message})`, '');
  else if (opts.torch && torchStatus?.status === 'error') L.push(`torch: comparison aborted: ${torchStatus.message}`, '');
  else if (!opts.torch) L.push('torch: skipped (--no-torch)', '');

  const notes: string[] = [];
  L.push('In-process path (`inProcess: true`):', '');
  L.push('| model | batch | forward ms | lossAndGrad ms | grad/forward | torch ms | Gauntlet/torch | peak RSS MB |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const model of opts.models) {
    const c = results.get(`${model}:inProcess`)!;
    if (c.error) {
      for (const b of opts.batches) L.push(`| ${model} | ${b} | error¹ | – | – | ${fmtMs(torchRows.get(`${model}:${b}`)?.grad_ms)} | – | – |`);
      notes.push(`¹ ${model}: ${c.error}`);
      continue;
    }
    for (const r of c.rows) {
      const t = torchRows.get(`${model}:${r.batch}`);
      const name = labelOf(c);
      if (r.error) { L.push(`| ${name} | ${r.batch} | error: ${r.error} | | | ${fmtMs(t?.grad_ms)} | | ${fmt(r.peakRssMB, 0)} |`); continue; }
      L.push(`| ${name} | ${r.batch} | ${fmtMs(r.forwardMs)} | ${fmtMs(r.gradMs)} | ${fmt(r.gradMs! / r.forwardMs!)} | ` +
        `${fmtMs(t?.grad_ms)} | ${t ? fmt(r.gradMs! / t.grad_ms) : '–'} | ${fmt(r.peakRssMB, 0)} |`);
    }
  }
  if (opts.worker) {
    L.push('', 'Worker path (`inProcess: false, workers: 1`; same threads):', '');
    L.push('| model | batch | forward ms | lossAndGrad ms | grad/forward | worker/in-process (grad) | Gauntlet/torch | peak RSS MB |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const model of opts.models) {
      const c = results.get(`${model}:worker`)!;
      const inproc = results.get(`${model}:inProcess`)!;
      if (c.error) {
        for (const b of opts.batches) L.push(`| ${model} | ${b} | error¹ | – | – | – | – | – |`);
        if (!inproc.error) notes.push(`¹ ${model} (worker path): ${c.error}`);
        continue;
      }
      for (const r of c.rows) {
        const t = torchRows.get(`${model}:${r.batch}`);
        const ip = inproc.rows.find((q) => q.batch === r.batch);
        if (r.error) { L.push(`| ${labelOf(c)} | ${r.batch} | error: ${r.error} | | | | | ${fmt(r.peakRssMB, 0)} |`); continue; }
        L.push(`| ${labelOf(c)} | ${r.batch} | ${fmtMs(r.forwardMs)} | ${fmtMs(r.gradMs)} | ${fmt(r.gradMs! / r.forwardMs!)} | ` +
          `${ip?.gradMs ? fmt(r.gradMs! / ip.gradMs) : '–'} | ${t ? fmt(r.gradMs! / t.grad_ms) : '–'} | ${fmt(r.peakRssMB, 0)} |`);
      }
    }
  }
  for (const model of opts.models) {
    const c = results.get(`${model}:inProcess`)!;
    if (c.info) {
      const i = c.info;
      if (i.batch !== 'dynamic' || !i.batched) notes.push(`${model}: batch mode '${i.batch ?? (i.batched ? 'batched' : 'unbatched')}'${i.batchNote ? ` (${i.batchNote})` : ''}`);
    }
    if (c.check) {
      notes.push(`${model}: golden check (8 images, ce): logits max abs ${c.check.logitsMaxAbs.toExponential(1)}, grad max rel ${c.check.gradMaxRel.toExponential(1)}` +
        (c.check.ok ? '' : '  ** MISMATCH: timings are of a wrong graph **') +
        (torchChecks[model] !== undefined ? `; torch twin logits vs golden ${torchChecks[model].toExponential(1)}` : '') +
        (c.loadMs !== undefined ? `; loadModel ${c.loadMs} ms` : ''));
    }
    const tb = torchRows.get(`${model}:${Math.max(...opts.batches)}`);
    if (tb) {
      notes.push(`${model}: torch forward at batch ${tb.batch} ${fmtMs(tb.forward_ms)} ms (torch's own grad/forward ${fmt(tb.grad_ms / tb.forward_ms)})`);
    }
  }
  // Targets: lossAndGrad/forward ≤ 3.0 at the largest batch on the conv fixtures; Gauntlet/torch ≤ 1.0.
  const big = Math.max(...opts.batches);
  const manifest = readManifest();
  const targetLines: string[] = [];
  for (const model of opts.models) {
    const c = results.get(`${model}:inProcess`)!;
    const r = c.rows.find((q) => q.batch === big);
    const t = torchRows.get(`${model}:${big}`);
    const isConv = ((manifest.models[model] as { ops?: string[] }).ops ?? []).includes('Conv');
    const parts: string[] = [];
    if (r?.gradMs !== undefined && r.forwardMs !== undefined) {
      const ratio = r.gradMs / r.forwardMs;
      parts.push(`grad/forward ${ratio.toFixed(2)} ${isConv ? (ratio <= 3 ? '≤ 3.0 MET' : '> 3.0 MISSED') : '(not a conv fixture)'}`);
      if (t) parts.push(`Gauntlet/torch ${(r.gradMs / t.grad_ms).toFixed(2)} ${r.gradMs / t.grad_ms <= 1 ? '≤ 1.0 MET' : '> 1.0 MISSED'}`);
    } else parts.push('no measurement');
    targetLines.push(`- ${model} @ batch ${big}: ${parts.join('; ')}`);
  }
  L.push('', `Targets (in-process, batch ${big}):`, '', ...targetLines);
  const noisy = [...gradRounds].filter(([, v]) => v.length > 1 && Math.max(...v) / Math.min(...v) > 1.5)
    .map(([k, v]) => `${k} (${v.map((x) => fmtMs(x)).join(' / ')} ms)`);
  if (opts.rounds > 1) notes.push(noisy.length ? `noisy cells (lossAndGrad round medians differ > 1.5×; the table shows the best): ${noisy.join('; ')}` : 'no cell\'s round medians differ by more than 1.5×');
  L.push('', 'Notes:', '', ...notes.map((n) => `- ${n}`));
  L.push('', '- peak RSS: getrusage maxRSS of a fresh child process per (model, path), read after each batch (batches run in increasing order); it includes Node and ONNX Runtime themselves.');
  if (opts.torch && torchStatus?.status === 'ok') {
    L.push('- torch: eager float32 CPU, parameters frozen (input gradient only), `F.cross_entropy(reduction="none")` then `autograd.grad(loss.sum(), x)`; bench/torch_grad.py; twins from fixtures/generate.py loaded from the ONNX initializers.');
  }
  process.stdout.write(L.join('\n') + '\n');
}

function labelOf(c: ChildResult): string {
  const b = c.info?.batch;
  return b && b !== 'dynamic' ? `${c.model} (${b})` : c.model;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv);
  if (opts.child) {
    let res: ChildResult;
    try {
      res = await runChild(opts.child.model, opts.child.path, opts);
    } catch (e) {
      res = { model: opts.child.model, path: opts.child.path, rows: [], error: (e as Error).message.split('\n')[0] };
    }
    process.stdout.write(CHILD_MARK + JSON.stringify(res) + '\n');
    return;
  }
  await runParent(opts, argv);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:grad failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
