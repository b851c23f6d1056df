/**
 * `npm run bench:attacks`: wall-clock cost of every attack at its default settings on the fixture
 * CNN, and PGD-100 against the same attack in PyTorch eager, in the same run.
 *
 * Setup: fixtures/models/cnn.onnx, the first `--n` (default 500) points of
 * fixtures/data/mnist-eval.npz, L∞ ε = `--eps` (default 0.1), seed `--seed` (default 0). The model
 * is loaded as `gauntlet attack` loads it (worker pool, `threads` = all cores; `--in-process` runs
 * ONNX Runtime on the main thread instead). Before any timing, one untimed call per gradient graph
 * the attacks use (CE, CW, DLR, targeted DLR, targeted CE) builds those graphs, so no attack pays
 * for a one-time build.
 *
 * Per attack (`runAttack` with `{}`, i.e. every schema default: PGD-100, APGD 100 iterations,
 * APGD-T and FAB-T 9 targets, Square 5000 queries, …): seconds (runAttack's own clock: clean
 * prediction, search and verification), robust accuracy, forward and gradient calls (samples
 * through predict / lossAndGrad) and gradient samples per second.
 *
 * Torch ratio: when `BENCH_PYTHON` (default /usr/bin/python3) can import torch,
 * bench/torch_pgd.py runs the same PGD-100 (CE, α = 2.5ε/100, uniform random
 * start, early stop on misclassification, float32, same thread count) on the same points in
 * eager mode. Gauntlet's PGD and the torch script alternate for `--rounds` rounds (default 3;
 * round 1 of Gauntlet is the PGD row of the table) and the ratio is best Gauntlet seconds / best
 * torch seconds — the best of several rounds resists bursts of load on a shared machine.
 *
 * Options (after `--`): --n N  --eps E  --attacks a,b  --seed S  --threads T  --rounds R
 *   --in-process  --no-torch  --json FILE
 */
import { runPythonJson } from './support/python';
import { readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ATTACKS, BASE_ATTACK_NAMES, BaseAttackName, robustAccuracy, runAttack } from '../src/attacks';
import { selectBatch } from '../src/attacks/tensor';
import { AttackBatch, AttackProgress, AttackResult, ThreatModel } from '../src/attacks/types';
import { loadEvalSet } from '../src/data';
import { LossKind } from '../src/autodiff/loss';
import { Model } from '../src/model/model';
import { loadModel } from '../src/model/load';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'fixtures');
const TORCH_SCRIPT = path.join(ROOT, 'bench', 'torch_pgd.py');

interface Options {
  n: number;
  eps: number;
  attacks: BaseAttackName[];
  seed: number;
  threads: number;
  rounds: number;
  inProcess: boolean;
  torch: boolean;
  json?: string;
}

interface Row {
  attack: string;
  seconds: number;
  robustAccuracy: number;
  cleanAccuracy: number;
  forwardCalls: number;
  gradientCalls: number;
}

interface TorchRound {
  seconds: number;
  robust_accuracy: number;
  gradient_calls: number;
  forward_calls: number;
  clean_correct: number;
}

interface TorchOut {
  status: 'ok' | 'no-torch' | 'error';
  message?: string;
  torch?: string;
  threads?: number;
  golden_logits_max_abs?: number;
  rounds?: TorchRound[];
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    n: 500, eps: 0.1, attacks: [...BASE_ATTACK_NAMES], seed: 0,
    threads: Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length),
    rounds: 3, inProcess: false, torch: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--n') opts.n = Number(next());
    else if (a === '--eps') opts.eps = Number(next());
    else if (a === '--attacks') opts.attacks = next().split(',').filter(Boolean) as BaseAttackName[];
    else if (a === '--seed') opts.seed = Number(next());
    else if (a === '--threads') opts.threads = Number(next());
    else if (a === '--rounds') opts.rounds = Number(next());
    else if (a === '--in-process') opts.inProcess = true;
    else if (a === '--no-torch') opts.torch = false;
    else if (a === '--json') opts.json = next();
    else throw new Error(`unknown option ${a} (options: --n --eps --attacks --seed --threads --rounds --in-process --no-torch --json)`);
  }
  if (!Number.isInteger(opts.n) || opts.n < 1 || opts.n > 500) throw new Error('--n: an integer in 1…500 (mnist-eval.npz has 500 points)');
  if (!(opts.eps >= 0) || !Number.isFinite(opts.eps)) throw new Error('--eps: a finite number ≥ 0');
  for (const a of opts.attacks) if (!BASE_ATTACK_NAMES.includes(a)) throw new Error(`--attacks: unknown attack '${a}' (known: ${BASE_ATTACK_NAMES.join(', ')})`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new Error('--seed: a non-negative integer');
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error('--threads: a positive integer');
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds: a positive integer');
  return opts;
}

function rowOf(r: AttackResult): Row {
  let clean = 0;
  for (let i = 0; i < r.n; i++) clean += r.cleanCorrect[i];
  return {
    attack: r.attack, seconds: r.seconds, robustAccuracy: robustAccuracy(r), cleanAccuracy: clean / r.n,
    forwardCalls: r.forwardCalls, gradientCalls: r.gradientCalls,
  };
}

/** Progress to stderr, at most every 5 s per attack. */
function progressLogger(): (p: AttackProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 5000 && p.done < p.total) return;
    last = now;
    process.stderr.write(`    ${p.attack}: ${p.done}/${p.total}, robust accuracy so far ${p.robustAccuracy.toFixed(3)}\n`);
  };
}

/** One untimed call per gradient graph the attacks use, so no attack pays for building one. */
async function warmUp(model: Model, batch: AttackBatch): Promise<number> {
  const t0 = process.hrtime.bigint();
  const k = Math.min(4, batch.n);
  const per = batch.x.length / batch.n;
  const x = batch.x.slice(0, k * per);
  const y = batch.y.slice(0, k);
  const target = Int32Array.from(y, (v) => (v + 1) % model.info.numClasses);
  await model.predict(x, k);
  for (const loss of ['ce', 'cw', 'dlr'] as LossKind[]) {
    await model.lossAndGrad(x, k, y, { loss });
    await model.lossAndGrad(x, k, y, { loss, target });
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function runTorch(opts: Options): TorchOut {
  return runPythonJson<TorchOut>(TORCH_SCRIPT, ['--n', String(opts.n), '--eps', String(opts.eps), '--steps', '100',
    '--threads', String(opts.threads), '--seed', String(opts.seed), '--rounds', '1'], ROOT, 30 * 60 * 1000);
}

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const int = (v: number) => Math.round(v).toLocaleString('en-US');

function ortVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv);
  const started = new Date();
  const load0 = os.loadavg();
  const data = loadEvalSet(path.join(FIXTURES, 'data', 'mnist-eval.npz'));
  const batch = selectBatch({ x: data.x, n: data.n, y: data.y, lower: data.lower, upper: data.upper }, [...Array(opts.n).keys()]);
  const threat: ThreatModel = { norm: 'linf', eps: opts.eps };
  const model = await loadModel(path.join(FIXTURES, 'models', 'cnn.onnx'), {
    threads: opts.threads, ...(opts.inProcess ? { inProcess: true } : { workers: 1 }),
  });
  const rows: Row[] = [];
  const gauntletPgd: number[] = [];
  const torchRounds: TorchRound[] = [];
  let torch: TorchOut | undefined;
  let warm = 0;
  try {
    warm = await warmUp(model, batch);
    process.stderr.write(`warm-up (gradient graphs built): ${warm.toFixed(2)} s\n`);
    for (const name of opts.attacks) {
      process.stderr.write(`${name} …\n`);
      const r = await runAttack(ATTACKS[name], model, batch, threat, {}, { seed: opts.seed, onProgress: progressLogger() });
      const row = rowOf(r);
      rows.push(row);
      if (name === 'pgd') gauntletPgd.push(row.seconds);
      process.stderr.write(`  ${name}: ${f(row.seconds)} s, robust accuracy ${f(row.robustAccuracy, 3)}, ` +
        `${int(row.forwardCalls)} forward, ${int(row.gradientCalls)} gradient samples\n`);
    }
    if (opts.torch && opts.attacks.includes('pgd')) {
      for (let round = 1; round <= opts.rounds; round++) {
        if (round > 1) {
          const r = await runAttack(ATTACKS.pgd, model, batch, threat, {}, { seed: opts.seed });
          gauntletPgd.push(r.seconds);
          process.stderr.write(`round ${round}/${opts.rounds}: Gauntlet PGD-100 ${f(r.seconds)} s\n`);
        }
        torch = runTorch(opts);
        if (torch.status !== 'ok') break;
        torchRounds.push(torch.rounds![0]);
        process.stderr.write(`round ${round}/${opts.rounds}: torch PGD-100 ${f(torch.rounds![0].seconds)} s\n`);
      }
    }
  } finally {
    await model.close();
  }
  const load1 = os.loadavg();

  const L: string[] = [];
  const cpus = os.cpus();
  const cmd = `npm run bench:attacks${argv.length ? ' -- ' + argv.join(' ') : ''}`;
  L.push('# Gauntlet attack benchmark', '');
  L.push(`- date: ${started.toISOString()}`);
  L.push(`- command: \`${cmd}\``);
  L.push(`- machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`);
  L.push(`- onnxruntime-node ${ortVersion()}, Node ${process.version}; ${opts.threads} threads, ${opts.inProcess ? 'in-process' : 'worker pool (1 worker)'}`);
  L.push(`- load average (1 min) before/after: ${load0[0].toFixed(2)} / ${load1[0].toFixed(2)}`);
  L.push(`- fixture CNN, first ${opts.n} points of mnist-eval.npz, L∞ ε = ${opts.eps}, seed ${opts.seed}, every attack at its defaults; ` +
    `untimed warm-up building the gradient graphs: ${f(warm)} s`);
  L.push('');
  L.push('| attack | seconds | robust accuracy | forward calls | gradient calls | gradient calls/s |');
  L.push('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    L.push(`| ${r.attack} | ${f(r.seconds)} | ${f(r.robustAccuracy, 3)} | ${int(r.forwardCalls)} | ${int(r.gradientCalls)} | ` +
      `${r.gradientCalls > 0 ? int(r.gradientCalls / r.seconds) : '–'} |`);
  }
  if (rows.length > 0) L.push('', `Clean accuracy: ${f(rows[0].cleanAccuracy, 3)}. Calls count samples (a batch of k is k calls), verification included.`);
  L.push('');
  const minG = gauntletPgd.length ? Math.min(...gauntletPgd) : NaN;
  let ratio: number | undefined;
  if (!opts.torch) L.push('torch: skipped (--no-torch)');
  else if (!opts.attacks.includes('pgd')) L.push('torch: skipped (pgd not in --attacks)');
  else if (torch?.status === 'no-torch') L.push(`torch: not installed, ratio skipped (${torch.message})`);
  else if (torch?.status === 'error') L.push(`torch: comparison aborted: ${torch.message}`);
  else if (torchRounds.length > 0) {
    const minT = Math.min(...torchRounds.map((t) => t.seconds));
    ratio = minG / minT;
    const t = torchRounds[0];
    L.push(`PGD-100 vs PyTorch eager (torch ${torch!.torch}, ${torch!.threads} threads; bench/torch_pgd.py; ` +
      `torch twin logits vs golden ${torch!.golden_logits_max_abs?.toExponential(1)}):`, '');
    L.push('| round | Gauntlet s | torch s | Gauntlet/torch |');
    L.push('|---:|---:|---:|---:|');
    torchRounds.forEach((tr, k) => L.push(`| ${k + 1} | ${f(gauntletPgd[k])} | ${f(tr.seconds)} | ${f(gauntletPgd[k] / tr.seconds)} |`));
    L.push('', `Best of ${torchRounds.length}: Gauntlet ${f(minG)} s / torch ${f(minT)} s = **${f(ratio)}** (target ≤ 1.0: ${ratio <= 1 ? 'MET' : 'MISSED'}).`);
    const g = rows.find((r) => r.attack === 'pgd')!;
    L.push(`Same work: robust accuracy Gauntlet ${f(g.robustAccuracy, 3)} / torch ${f(t.robust_accuracy, 3)}; gradient calls ${int(g.gradientCalls)} / ${int(t.gradient_calls)}; ` +
      `forward calls ${int(g.forwardCalls)} / ${int(t.forward_calls)} (random starts differ, so the counts differ slightly).`);
  }
  process.stdout.write(L.join('\n') + '\n');
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify({
      date: started.toISOString(), command: cmd, options: opts, loadavg: [load0[0], load1[0]], warmUpSeconds: warm,
      rows, pgdRatio: { gauntletSeconds: gauntletPgd, torch: torch?.status === 'ok' ? torchRounds : torch, ratio },
    }, null, 2) + '\n');
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:attacks failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
