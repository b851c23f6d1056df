/**
 * `npm run bench:certify`: what Gauntlet's bound graphs certify, and how fast.
 *
 * (a) Fixture models (fixtures/models/*.onnx with their evaluation data, the first N = 500 points):
 *     certified accuracy (exact 95 % Clopper–Pearson interval) at the L∞ ladder
 *     0.005, 0.01, 0.02, 0.05, 0.1, with the wall seconds of each ε (preparation excluded; it is
 *     its own column). A model with an op that has no bound rule is listed with the reason.
 * (b) Every VNN-COMP benchmark in ../shared/data/vnncomp/ (third-party networks, each instance's
 *     own box and target; bench/vnncomp-certify.ts): sat / unsat / unknown totals, certified sat
 *     (must be 0: a certified sat instance is a soundness bug), certified unsat, certified unknown
 *     and seconds, beside auto_LiRPA 0.5.0's IBP count and CROWN time (issue 14's anchor table).
 *
 * Every table is repeated per bound method (--methods, default ibp,crown).
 *
 * Prints markdown. Options (after `--`): --out FILE  --data DIR (VNN-COMP root)  --threads T  --n N
 * --benchmarks a,b  --models cnn,mlp  --methods ibp,crown. Exits 1 when any sat instance is certified.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnsupportedOpError } from '../src/errors';
import { loadEvalSet } from '../src/data';
import { certifyPoints } from '../src/audit/certify';
import { BOUND_METHODS, BoundMethod, Certifier, loadCertifier } from '../src/model/certifier';
import { BENCHMARKS, loadBenchmark, machine } from './vnncomp';
import { ANCHORS, BenchmarkCertification, certifyBenchmark, tally } from './vnncomp-certify';

/** The L∞ ladder of the fixture table. */
export const LADDER = [0.005, 0.01, 0.02, 0.05, 0.1];

/** Evaluation data of each fixture model (default mnist-eval.npz). */
const FIXTURE_DATA: Record<string, string> = { tf_nhwc: 'mnist-eval-nhwc.npz' };

interface Options {
  out?: string;
  data: string;
  threads: number;
  n: number;
  benchmarks: string[];
  models?: string[];
  methods: BoundMethod[];
}

interface FixtureRow {
  model: string;
  method: BoundMethod;
  data: string;
  n: number;
  /** Why the model is not certified (no bound rule, shape mismatch). */
  skipped?: string;
  prepareSeconds?: number;
  cells: { eps: number; certified: number; lower: number; upper: number; seconds: number }[];
}

function projectRoot(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bench', 'certify.ts'))) return dir;
  }
  throw new Error(`cannot find the project root above ${__dirname}`);
}

function parseArgs(argv: string[]): Options {
  const root = projectRoot();
  const o: Options = {
    data: path.resolve(root, '..', 'shared', 'data', 'vnncomp'), threads: Math.max(1, os.availableParallelism()), n: 500, benchmarks: [...BENCHMARKS], methods: ['ibp', 'crown'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const take = () => { i++; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--out') o.out = take();
    else if (a === '--data') o.data = path.resolve(take());
    else if (a === '--threads') o.threads = Number(take());
    else if (a === '--n') o.n = Number(take());
    else if (a === '--benchmarks') o.benchmarks = take().split(',').filter(Boolean);
    else if (a === '--models') o.models = take().split(',').filter(Boolean);
    else if (a === '--methods') o.methods = take().split(',').filter(Boolean) as BoundMethod[];
    else throw new Error(`unknown option ${a}; options: --out FILE --data DIR --threads T --n N --benchmarks a,b --models m1,m2 --methods ibp,crown`);
  }
  for (const m of o.methods) if (!(BOUND_METHODS as readonly string[]).includes(m)) throw new Error(`unknown method ${m}; methods: ${BOUND_METHODS.join(', ')}`);
  for (const b of o.benchmarks) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark ${b}; known: ${BENCHMARKS.join(', ')}`);
  return o;
}

async function certifyFixture(root: string, model: string, method: BoundMethod, o: Options): Promise<FixtureRow> {
  const dataFile = FIXTURE_DATA[model] ?? 'mnist-eval.npz';
  const data = loadEvalSet(path.join(root, 'fixtures', 'data', dataFile));
  const n = Math.min(o.n, data.n);
  const row: FixtureRow = { model, method, data: dataFile, n, cells: [] };
  const t0 = performance.now();
  let certifier: Certifier;
  try {
    certifier = await loadCertifier(path.join(root, 'fixtures', 'models', `${model}.onnx`), { method, threads: o.threads });
  } catch (e) {
    if (!(e instanceof UnsupportedOpError)) throw e;
    return { ...row, skipped: `not certifiable: ${e.message}` };
  }
  try {
    row.prepareSeconds = (performance.now() - t0) / 1000;
    if (certifier.inputShape.join(',') !== data.sampleShape.join(',')) {
      return { ...row, skipped: `${dataFile} samples are [${data.sampleShape.join(', ')}], the model takes [${certifier.inputShape.join(', ')}]` };
    }
    const per = data.x.length / data.n;
    for (const eps of LADDER) {
      const r = await certifyPoints(certifier, {
        x: data.x.subarray(0, n * per), y: data.y.subarray(0, n), n,
        lower: data.lower.subarray(0, n * per), upper: data.upper.subarray(0, n * per), norm: 'linf', eps,
      }, method);
      row.cells.push({ eps, certified: r.certifiedAccuracy, lower: r.interval.lower, upper: r.interval.upper, seconds: r.seconds });
      console.error(`  ${model} ${method} ε=${eps}: ${(100 * r.certifiedAccuracy).toFixed(1)} % in ${r.seconds.toFixed(2)} s`);
    }
    return row;
  } finally {
    await certifier.close();
  }
}

const pct = (v: number) => (100 * v).toFixed(1);

function markdown(o: Options, fixtures: FixtureRow[], vnn: BenchmarkCertification[], vnnAbsent: string | undefined, wall: number, argv: string[], load: [number, number]): string {
  const fromSource = __filename.endsWith('.ts');
  const cmd = [fromSource ? 'npx tsx bench/certify.ts' : 'npm run bench:certify', ...(argv.length && !fromSource ? ['--'] : []), ...argv].join(' ');
  const L: string[] = [];
  L.push(`# Certification benchmark (${o.methods.join(', ')})`, '');
  L.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${cmd}\` (${wall.toFixed(0)} s wall, build excluded).`, '');
  L.push(`Machine: ${machine(o.threads, load)}.`, '');
  L.push(`## Fixture models: certified accuracy at the L∞ ladder (first ${o.n} points)`, '');
  L.push('Certified accuracy with its exact 95 % Clopper–Pearson interval, and the seconds for that ε (all points; bound-graph preparation excluded, in its own column).', '');
  L.push(`| model (data) | method | prepare s | ${LADDER.map((e) => `ε = ${e}`).join(' | ')} |`, `|---|---|---|${LADDER.map(() => '---').join('|')}|`);
  for (const r of fixtures) {
    if (r.skipped) { L.push(`| ${r.model} (${r.data}) | ${r.method} | ${r.prepareSeconds?.toFixed(1) ?? '–'} | ${r.skipped} |${LADDER.slice(1).map(() => ' |').join('')}`); continue; }
    L.push(`| ${r.model} (${r.data}, n = ${r.n}) | ${r.method} | ${r.prepareSeconds!.toFixed(1)} | ${r.cells.map((c) => `${pct(c.certified)} % [${pct(c.lower)}, ${pct(c.upper)}] (${c.seconds.toFixed(2)} s)`).join(' | ')} |`);
  }
  L.push('', '## VNN-COMP: certified instances per benchmark', '');
  if (vnnAbsent) {
    L.push(`Not run: ${vnnAbsent}.`, '');
    return L.join('\n');
  }
  L.push('Each instance\'s own box [lower, upper] and target (../shared/data/vnncomp/). A certified **sat** instance is a soundness bug (must be 0). '
    + 'Seconds: wall clock for the benchmark, bound-graph building included. auto_LiRPA 0.5.0 figures are the issue\'s anchor table (its machine, not this one).', '');
  L.push('| benchmark | method | sat / unsat / unknown | certified sat (must be 0) | certified unsat | certified unknown | seconds | auto_LiRPA IBP unsat | auto_LiRPA CROWN unsat (s) | not certifiable |',
    '|---|---|---|---|---|---|---|---|---|---|');
  for (const r of vnn) {
    const s = tally(r, 'sat'), u = tally(r, 'unsat'), k = tally(r, 'unknown'), a = ANCHORS[r.name];
    L.push(`| ${r.name} | ${r.method} | ${s.total} / ${u.total} / ${k.total} | **${s.certified}** | ${u.certified} | ${k.certified} | ${r.seconds.toFixed(2)} | ${a ? a.ibp : '–'} | ${a ? `${a.crown} (${a.crownSeconds} s)` : '–'} | ${r.notCertifiable.join('; ') || '–'} |`);
  }
  L.push('');
  return L.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  const root = projectRoot();
  const started = performance.now();
  const loadBefore = os.loadavg()[0];
  const models = o.models ?? readdirSync(path.join(root, 'fixtures', 'models')).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort();
  const fixtures: FixtureRow[] = [];
  for (const m of models) {
    for (const method of o.methods) {
      console.error(`${m} (${method}) …`);
      fixtures.push(await certifyFixture(root, m, method, o));
    }
  }
  const vnnAbsent = existsSync(path.join(o.data, 'README.md')) ? undefined : `${o.data} is absent (third-party models are not shipped in this repo)`;
  const vnn: BenchmarkCertification[] = [];
  if (!vnnAbsent) {
    for (const b of o.benchmarks) {
      for (const method of o.methods) {
      const r = await certifyBenchmark(loadBenchmark(o.data, b, { targeted: true }), { threads: o.threads, method });
      vnn.push(r);
      console.error(`${b} (${method}): certified sat ${tally(r, 'sat').certified}, unsat ${tally(r, 'unsat').certified}/${tally(r, 'unsat').total}, unknown ${tally(r, 'unknown').certified}, ${r.seconds.toFixed(2)} s`);
      }
    }
  }
  const md = markdown(o, fixtures, vnn, vnnAbsent, (performance.now() - started) / 1000, argv, [loadBefore, os.loadavg()[0]]);
  console.log(md);
  if (o.out) writeFileSync(o.out, md + '\n');
  if (vnn.some((r) => tally(r, 'sat').certified > 0)) {
    console.error('!! a sat instance was certified: the bounds are unsound');
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
