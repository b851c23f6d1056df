/**
 * `npm run bench:vnncomp`: Gauntlet's full-strength attack cascade on every instance (sat,
 * unsat and unknown) of the VNN-COMP 2021/2022 image-classification benchmarks in
 * `../shared/data/vnncomp/` (third-party networks with verifier-decided robustness labels; see
 * that folder's README). Writes docs/vnncomp.md.
 *
 * Threat model of instance i: the verifier's input box [lower[i], upper[i]] (network
 * coordinates, possibly normalised). Gauntlet attacks it as an L∞ ball around x[i] intersected
 * with that box, with ε ≥ the largest distance from x[i] to a corner of the box, so that
 * ε-ball ∩ box = the box. Instances of one network with the same ε (to a relative 1e-4; the
 * stored ε differ by float32 rounding) are attacked as one batch with the group's largest ε,
 * which changes nothing about the threat set (the box binds) and only a little about step sizes.
 *
 * What is reported, per benchmark: sat instances found (every success is verified by runAttack
 * with a fresh predict, in the box, ‖δ‖∞ ≤ ε in float64), unsat instances "broken" (must be 0:
 * those are formally verified robust, a success there is a bug in an attack, the success check
 * or the verifier), unknown instances found, wall-clock seconds; and per attack the number of
 * instances it broke first.
 *
 * Options (after `--`): --benchmarks a,b  --only sat,unsat,unknown  --seed S  --threads T
 *   --out docs/vnncomp.md (or '-' for none)  --data DIR
 *
 * The loader (`loadBenchmark`, `groupInstances`, `groupBatch`, `boxExcess`) is shared with
 * test/vnncomp-soundness.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpz } from '../src/data';
import { NdArray } from '../src/data/npy';
import { runCascade, getAttack, CascadeStep, AttackBatch } from '../src/attacks';
import { loadModel } from '../src/model/load';
import { GAUNTLET_VERSION } from '../src/version';

/** The benchmark folders, in report order. */
export const BENCHMARKS = [
  '2021_mnistfc', '2022_mnist_fc', '2021_eran', '2021_verivital', '2021_oval21', '2022_oval21', '2021_cifar10_resnet',
] as const;

export type Expected = 'sat' | 'unsat' | 'unknown';

/** One robustness property: an image, its box and the verifiers' verdict. */
export interface Instance {
  /** Row in results.csv / instances.npz. */
  index: number;
  /** ONNX file, relative to the benchmark folder (results.csv `onnx` column). */
  onnx: string;
  vnnlib: string;
  /** results.csv `source`: where the verdict comes from and the verifiers' votes ("sat:4 unsat:0 of 10 tools"). */
  source: string;
  x: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
  label: number;
  /** The only class that must not win (-1: any class other than `label`). */
  target: number;
  /** L∞ half-width of the box as stored (max over channels). */
  eps: number;
  expected: Expected;
}

export interface Benchmark {
  name: string;
  dir: string;
  /** Per-sample input shape (no batch dim). */
  shape: number[];
  instances: Instance[];
}

/** Instances of one network attacked together. */
export interface Group {
  onnx: string;
  /** ε of the threat model: covers the box of every member (ε-ball ∩ box = box). */
  eps: number;
  instances: Instance[];
}

const EXPECTED: Record<number, Expected> = { 1: 'sat', 0: 'unsat', [-1]: 'unknown' };

function numbers(a: NdArray | undefined, name: string): number[] {
  if (!a) throw new Error(`instances.npz has no '${name}' array`);
  return Array.from(a.data as ArrayLike<number | bigint>, Number);
}

function floats(a: NdArray | undefined, name: string): Float32Array {
  if (!a || !(a.data instanceof Float32Array)) throw new Error(`instances.npz '${name}' is not float32`);
  return a.data;
}

/**
 * Reads one benchmark folder. The npz `models` array is unicode, which Gauntlet's npz reader
 * rejects, so model files come from results.csv (same order as the npz rows).
 * A targeted property (target ≥ 0) throws unless `opts.targeted` (the attacks' success test is
 * untargeted; certification handles both, see bench/vnncomp-certify.ts).
 */
export function loadBenchmark(root: string, name: string, opts: { targeted?: boolean } = {}): Benchmark {
  const dir = path.join(root, name);
  const arrays = readNpz(readFileSync(path.join(dir, 'instances.npz')), {
    only: ['x', 'lower', 'upper', 'label', 'target', 'eps', 'expected', 'model'],
  });
  const rows = readFileSync(path.join(dir, 'results.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const xa = arrays.get('x')!;
  const x = floats(xa, 'x'), lower = floats(arrays.get('lower'), 'lower'), upper = floats(arrays.get('upper'), 'upper');
  const label = numbers(arrays.get('label'), 'label'), target = numbers(arrays.get('target'), 'target');
  const eps = numbers(arrays.get('eps'), 'eps'), expected = numbers(arrays.get('expected'), 'expected');
  const n = label.length;
  if (rows.length !== n) throw new Error(`${name}: results.csv has ${rows.length} rows, instances.npz ${n}`);
  const per = x.length / n;
  const instances: Instance[] = [];
  for (let i = 0; i < n; i++) {
    // Targeted properties (class t must not win) would need a different success test.
    if (target[i] !== -1 && !opts.targeted) throw new Error(`${name} instance ${i}: targeted property (target ${target[i]}) is not supported here`);
    const e = EXPECTED[expected[i]];
    if (!e) throw new Error(`${name} instance ${i}: expected = ${expected[i]}`);
    const sl = (a: Float32Array) => a.slice(i * per, (i + 1) * per);
    instances.push({ index: i, onnx: rows[i][0], vnnlib: rows[i][1], source: rows[i].slice(4).join(','), x: sl(x), lower: sl(lower), upper: sl(upper), label: label[i], target: target[i], eps: eps[i], expected: e });
  }
  return { name, dir, shape: xa.shape.slice(1), instances };
}

/** Largest distance from x to a corner of its box: the ε for which ε-ball ∩ box = box. */
export function boxRadius(inst: Instance): number {
  let r = 0;
  for (let k = 0; k < inst.x.length; k++) r = Math.max(r, inst.x[k] - inst.lower[k], inst.upper[k] - inst.x[k]);
  return r;
}

/** Groups instances by network and ε (relative tolerance 1e-4), in first-appearance order. */
export function groupInstances(instances: readonly Instance[]): Group[] {
  const groups: Group[] = [];
  for (const inst of instances) {
    const r = Math.max(inst.eps, boxRadius(inst));
    const g = groups.find((h) => h.onnx === inst.onnx && Math.abs(h.eps - r) <= 1e-4 * Math.max(h.eps, r));
    if (g) { g.instances.push(inst); g.eps = Math.max(g.eps, r); } else groups.push({ onnx: inst.onnx, eps: r, instances: [inst] });
  }
  return groups;
}

/** The attack batch of a group: x, labels and per-instance boxes. */
export function groupBatch(instances: readonly Instance[]): AttackBatch {
  const per = instances[0].x.length;
  const cat = (f: (i: Instance) => Float32Array) => {
    const out = new Float32Array(per * instances.length);
    instances.forEach((inst, j) => out.set(f(inst), j * per));
    return out;
  };
  return {
    x: cat((i) => i.x), n: instances.length, y: Int32Array.from(instances, (i) => i.label),
    lower: cat((i) => i.lower), upper: cat((i) => i.upper),
  };
}

/** How far a point lies outside a box (L∞, float64; 0 inside). */
export function boxExcess(p: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < p.length; k++) e = Math.max(e, lower[k] - p[k], p[k] - upper[k]);
  return e;
}

/**
 * The full-strength cascade: AutoAttack's standard battery with its defaults (APGD-CE 100 steps,
 * APGD-T 9 targets × 100 steps, FAB-T 9 targets × 100 steps, Square 5000 queries), then
 * alternating-loss PGD (100 steps, CE → CW → DLR) and PGD-100 (CE, random start) with 5 restarts.
 */
export function fullCascade(): CascadeStep[] {
  return [
    { attack: getAttack('apgd-ce'), params: {} },
    { attack: getAttack('apgd-t'), params: {} },
    { attack: getAttack('fab-t'), params: {} },
    { attack: getAttack('square'), params: {} },
    { attack: getAttack('alt-pgd'), params: {} },
    { attack: getAttack('pgd'), params: { steps: 100, restarts: 5 } },
  ];
}

interface Options {
  data: string;
  benchmarks: string[];
  only: Expected[];
  seed: number;
  threads: number;
  out: string;
}

interface Outcome {
  inst: Instance;
  found: boolean;
  /** Attack that first broke it. */
  by?: string;
  /** ‖δ‖∞ of the verified example. */
  norm?: number;
  /** max_{j≠label} z_j − z_label at the verified example (≥ 0). */
  margin?: number;
}

interface BenchResult {
  name: string;
  outcomes: Outcome[];
  seconds: number;
  /** Validated stage parameters, from the first cascade run. */
  stageParams: { attack: string; params: unknown }[];
}

/** The folder of Gauntlet's package.json (this file runs from bench/ under tsx and from dist/bench/). */
function projectRoot(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bench', 'vnncomp.ts'))) return dir;
  }
  throw new Error(`cannot find the project root above ${__dirname}`);
}

function parseArgs(argv: string[]): Options {
  const root = projectRoot();
  const o: Options = {
    data: path.resolve(root, '..', 'shared', 'data', 'vnncomp'),
    benchmarks: [...BENCHMARKS], only: ['sat', 'unsat', 'unknown'], seed: 1,
    threads: Math.max(1, os.availableParallelism()), out: path.join(root, 'docs', 'vnncomp.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const take = () => { i++; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--benchmarks') o.benchmarks = take().split(',');
    else if (a === '--only') o.only = take().split(',') as Expected[];
    else if (a === '--seed') o.seed = Number(take());
    else if (a === '--threads') o.threads = Number(take());
    else if (a === '--out') o.out = take();
    else if (a === '--data') o.data = path.resolve(take());
    else throw new Error(`unknown option ${a}; options: --benchmarks a,b --only sat,unsat,unknown --seed S --threads T --out FILE|- --data DIR`);
  }
  for (const b of o.benchmarks) if (!(BENCHMARKS as readonly string[]).includes(b)) throw new Error(`unknown benchmark ${b}; known: ${BENCHMARKS.join(', ')}`);
  for (const e of o.only) if (!['sat', 'unsat', 'unknown'].includes(e)) throw new Error(`--only takes sat, unsat, unknown; got ${e}`);
  return o;
}

async function runBenchmark(o: Options, name: string): Promise<BenchResult> {
  const started = Date.now();
  const bench = loadBenchmark(o.data, name);
  const instances = bench.instances.filter((i) => o.only.includes(i.expected));
  const outcomes: Outcome[] = [];
  let stageParams: BenchResult['stageParams'] = [];
  for (const onnx of new Set(instances.map((i) => i.onnx))) {
    const model = await loadModel(path.join(bench.dir, onnx), { inProcess: true, threads: o.threads });
    try {
      for (const g of groupInstances(instances.filter((i) => i.onnx === onnx))) {
        const t0 = Date.now();
        const batch = groupBatch(g.instances);
        const r = await runCascade(model, batch, { norm: 'linf', eps: g.eps }, fullCascade(), { seed: o.seed });
        if (stageParams.length === 0) stageParams = r.stages.map((s) => ({ attack: s.attack, params: s.params }));
        const per = batch.x.length / batch.n;
        for (let j = 0; j < g.instances.length; j++) {
          const inst = g.instances[j];
          if (!r.cleanCorrect[j]) throw new Error(`${name} #${inst.index}: the clean centre is misclassified (the README says it is not)`);
          const found = r.success[j] === 1;
          const o: Outcome = { inst, found };
          outcomes.push(o);
          if (!found) continue;
          const adv = r.xAdv.slice(j * per, (j + 1) * per);
          const logits = await model.predict(adv, 1);
          o.by = r.stages[r.brokenBy[j]].attack;
          o.norm = r.norms[j];
          o.margin = Math.max(...Array.from(logits).filter((_, c) => c !== inst.label)) - logits[inst.label];
          if (inst.expected === 'unsat') {
            console.error(`!! UNSAT instance broken: ${name} #${inst.index} ${inst.onnx} ${inst.vnnlib} by ${r.stages[r.brokenBy[j]].attack}; `
              + `label ${inst.label}, logits [${Array.from(logits, (v) => v.toFixed(5)).join(', ')}], ‖δ‖∞ ${r.norms[j]}, `
              + `outside box by ${boxExcess(adv, inst.lower, inst.upper)}`);
          }
        }
        const found = g.instances.filter((_, j) => r.success[j]).length;
        console.error(`  ${name} ${onnx} ε=${g.eps.toPrecision(4)}: ${found}/${g.instances.length} broken `
          + `(${g.instances.map((i) => ({ sat: 's', unsat: 'u', unknown: '?' })[i.expected]).join('')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    } finally {
      await model.close();
    }
  }
  outcomes.sort((a, b) => a.inst.index - b.inst.index);
  return { name, outcomes, seconds: (Date.now() - started) / 1000, stageParams };
}

function frac(k: number, n: number): string {
  return n === 0 ? '–' : `${k}/${n} (${((100 * k) / n).toFixed(0)}%)`;
}

function count(r: BenchResult, e: Expected, found?: boolean): number {
  return r.outcomes.filter((o) => o.inst.expected === e && (found === undefined || o.found === found)).length;
}

/** The machine line of a bench report (CPU, cores, memory, versions, load before and after). */
export function machine(threads: number, load: [number, number]): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}; `
    + `${threads} ONNX Runtime threads (in-process); Node ${process.version}; onnxruntime-node ${ortVersion()}; Gauntlet ${GAUNTLET_VERSION}. `
    + `Load average (1 min) ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after${Math.max(...load) > os.availableParallelism() ? ': other jobs were running on the machine, so the seconds are pessimistic' : ''}`;
}

function ortVersion(): string {
  try {
    return (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function markdown(o: Options, results: BenchResult[], wall: number, argv: string[], load: [number, number]): string {
  const attacks = results.find((r) => r.stageParams.length)?.stageParams ?? fullCascade().map((s) => ({ attack: s.attack.name, params: {} }));
  const L: string[] = [];
  // From source (tsx) the same code runs without the build step.
  const fromSource = __filename.endsWith('.ts');
  const cmd = [fromSource ? 'npx tsx bench/vnncomp.ts' : 'npm run bench:vnncomp', ...(argv.length && !fromSource ? ['--'] : []), ...argv].join(' ');
  L.push('# VNN-COMP: attacks against formally verified robustness labels', '');
  L.push('<!-- Generated by bench/vnncomp.ts (`npm run bench:vnncomp`); edits are overwritten. -->', '');
  L.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with`, '', '```', cmd, '```', '');
  L.push(`(${fromSource ? 'the source of `npm run bench:vnncomp`, i.e. `npm run build && node dist/bench/vnncomp.js`' : '`npm run build && node dist/bench/vnncomp.js`'}; ${(wall / 60).toFixed(1)} min wall, build excluded). `
    + 'Options go after `--`: `--benchmarks 2021_mnistfc,2021_eran --only sat,unsat,unknown --seed 1 --threads N --out FILE|- --data DIR`.', '');
  L.push(`Machine: ${machine(o.threads, load)}. Seed ${o.seed}.`, '');
  L.push('## What is measured', '');
  L.push('Third-party networks and L∞ robustness properties of the VNN-COMP 2021/2022 image benchmarks (read from '
    + '`../shared/data/vnncomp/`, not shipped; see its README for sources). Every instance has a verdict from the '
    + 'competing verifiers: **sat** (an adversarial example exists in the box), **unsat** (formally verified '
    + 'robust: *no* attack may succeed), **unknown** (no tool decided).', '');
  L.push('The threat model of an instance is its input box [lower, upper] in the network\'s own coordinates '
    + '(normalised for the CIFAR networks): Gauntlet attacks the L∞ ball around the image with ε = the largest distance from '
    + 'the image to a corner of the box, intersected with the box, which is exactly the box. Instances of one network '
    + 'with the same ε are attacked as one batch. Each success is verified by `runAttack`: fresh forward pass, '
    + 'argmax ≠ label, inside the box and ‖δ‖∞ ≤ ε in float64. The clean image of every instance is classified as its label.', '');
  L.push('Cascade (`fullCascade()` in bench/vnncomp.ts; each stage attacks only the instances still robust):', '');
  attacks.forEach((s, k) => L.push(`${k + 1}. \`${s.attack}\` ${'`'}${JSON.stringify(s.params)}${'`'}`));
  L.push('');
  L.push('## Results', '');
  L.push('| benchmark | sat found | unsat broken (must be 0) | unknown found | seconds |', '|---|---|---|---|---|');
  const tot = { sat: 0, satF: 0, unsat: 0, unsatB: 0, unk: 0, unkF: 0, s: 0 };
  for (const r of results) {
    const row = { sat: count(r, 'sat'), satF: count(r, 'sat', true), unsat: count(r, 'unsat'), unsatB: count(r, 'unsat', true), unk: count(r, 'unknown'), unkF: count(r, 'unknown', true) };
    L.push(`| ${r.name} | ${frac(row.satF, row.sat)} | ${o.only.includes('unsat') ? `**${row.unsatB}** of ${row.unsat}` : '(not run)'} | ${frac(row.unkF, row.unk)} | ${r.seconds.toFixed(0)} |`);
    tot.sat += row.sat; tot.satF += row.satF; tot.unsat += row.unsat; tot.unsatB += row.unsatB; tot.unk += row.unk; tot.unkF += row.unkF; tot.s += r.seconds;
  }
  L.push(`| **all** | ${frac(tot.satF, tot.sat)} | ${o.only.includes('unsat') ? `**${tot.unsatB}** of ${tot.unsat}` : '(not run)'} | ${frac(tot.unkF, tot.unk)} | ${tot.s.toFixed(0)} |`, '');
  L.push('Seconds: wall clock per benchmark, model loading included.', '');
  L.push('### Which attack broke each instance first', '');
  L.push(`| attack | ${results.map((r) => r.name).join(' | ')} |`, `|---|${results.map(() => '---').join('|')}|`);
  for (const s of attacks) {
    L.push(`| ${s.attack} | ${results.map((r) => {
      const sat = r.outcomes.filter((x) => x.by === s.attack && x.inst.expected === 'sat').length;
      const unk = r.outcomes.filter((x) => x.by === s.attack && x.inst.expected === 'unknown').length;
      return sat + unk === 0 ? '·' : `${sat}${unk ? ` + ${unk} unk.` : ''}`;
    }).join(' | ')} |`);
  }
  L.push('', 'Counts are sat instances; "+ k unk." adds instances the verifiers left unknown (each such break is a verified counterexample, i.e. the instance is in fact sat).', '');
  const short = (r: BenchResult, x: Outcome) => `${r.name} #${x.inst.index} (${x.inst.onnx.replace(/^onnx\//, '')}, ${x.inst.vnnlib.replace(/^vnnlib\//, '')})`;
  const votes = (x: Outcome) => /sat:\d+ unsat:\d+ of \d+ tools.*/.exec(x.inst.source)?.[0] ?? x.inst.source;
  const missed = results.flatMap((r) => r.outcomes.filter((x) => x.inst.expected === 'sat' && !x.found).map((x) => `- ${short(r, x)}; verifiers: ${votes(x)}`));
  L.push('### Sat instances not found', '');
  L.push(...(missed.length ? missed : ['None.']), '');
  const unknown = results.flatMap((r) => r.outcomes.filter((x) => x.inst.expected === 'unknown' && x.found)
    .map((x) => `- ${short(r, x)} by ${x.by}: ‖δ‖∞ = ${x.norm!.toPrecision(4)}, logit margin ${x.margin!.toPrecision(4)}; verifiers: ${votes(x)}`));
  if (unknown.length) L.push('### Unknown instances with a verified counterexample', '', ...unknown, '');
  const broken = results.flatMap((r) => r.outcomes.filter((x) => x.inst.expected === 'unsat' && x.found).map((x) => `- ${r.name} #${x.inst.index} (${x.inst.onnx}, ${x.inst.vnnlib}) by ${x.by}, ‖δ‖∞ = ${x.norm}, logit margin ${x.margin}`));
  if (broken.length) L.push('### Unsat instances reported broken (bugs to investigate)', '', ...broken, '');
  const mf = results.find((r) => r.name === '2022_mnist_fc');
  if (mf) {
    L.push('### 2022_mnist_fc', '');
    L.push(`The data README notes that a plain PGD missed 4 of the 18 sat instances of 2022_mnist_fc (its networks output near one-hot `
      + `scores, so gradients are weak). Gauntlet's cascade finds ${frac(count(mf, 'sat', true), count(mf, 'sat'))}.`, '');
  }
  return L.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  const results: BenchResult[] = [];
  for (const b of o.benchmarks) {
    console.error(`${b} …`);
    const r = await runBenchmark(o, b);
    results.push(r);
    console.error(`${b}: sat ${frac(count(r, 'sat', true), count(r, 'sat'))}, unsat broken ${count(r, 'unsat', true)} of ${count(r, 'unsat')}, `
      + `unknown ${frac(count(r, 'unknown', true), count(r, 'unknown'))}, ${r.seconds.toFixed(0)} s`);
  }
  const md = markdown(o, results, (Date.now() - started) / 1000, argv, [loadBefore, os.loadavg()[0]]);
  console.log(md);
  if (o.out !== '-') writeFileSync(o.out, md + '\n');
  if (results.some((r) => count(r, 'unsat', true) > 0)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
