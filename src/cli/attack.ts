/**
 * `gauntlet attack MODEL --data D.npz --attack NAME --eps E --out RESULT.json`: runs one attack
 * (optionally as a transfer attack from a surrogate model, or with straight-through gradients)
 * on an evaluation set and writes the verified per-sample outcome as JSON, and optionally the
 * adversarial examples as .npz.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DataError, UsageError } from '../errors';
import { fileSha256, writeNpz } from '../data';
import {
  AnyAttack, BASE_ATTACK_NAMES, BaseAttackName, GRADIENT_ATTACK_NAMES, ParamField, getAttack, paramFields, parseParams, robustAccuracy, runAttack,
} from '../attacks';
import { TransferDefinition, transferAttack } from '../attacks/transfer';
import { AttackBatch, AttackProgress, AttackResult, NORMS, Norm } from '../attacks/types';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { GAUNTLET_VERSION } from '../version';
import { RunOptions, open, withRunOptions } from './common';
import { choice, epsArg, nonNegativeInt, positiveInt } from './options';

/**
 * Tuning flags and the parameter each maps onto: the first of `keys` the attack's schema has.
 * An attack that has none of them rejects the flag.
 */
const TUNING_FLAGS = [
  { flag: '--steps', option: 'steps', keys: ['steps'] },
  { flag: '--restarts', option: 'restarts', keys: ['restarts'] },
  { flag: '--queries', option: 'queries', keys: ['queries'] },
  { flag: '--eot', option: 'eot', keys: ['eot'] },
  { flag: '--straight-through', option: 'straightThrough', keys: ['straightThrough'] },
] as const;
type TuningOption = (typeof TUNING_FLAGS)[number]['option'];
type TuningValues = { [K in TuningOption]?: K extends 'straightThrough' ? boolean : number };

export interface AttackOptions extends RunOptions, TuningValues {
  attack: BaseAttackName;
  norm: Norm;
  eps: number;
  seed: number;
  surrogate?: string;
  out: string;
  adv?: string;
  /** Progress callback (the command sets a TTY progress line). */
  onProgress?: (p: AttackProgress) => void;
}

export interface PerSample {
  index: number;
  label: number;
  clean_correct: boolean;
  attacked_correct: boolean;
  /** ‖x_adv − x‖ in the threat norm; 0 where the attack found nothing. */
  perturbation_norm: number;
  /** Predicted class of x_adv (of x where the attack found nothing). */
  adv_pred: number;
}

export interface AttackReport {
  gauntlet_version: string;
  attack: string;
  /** The attack's parameters after validation (defaults filled in); for a transfer attack, the inner attack's. */
  params: unknown;
  norm: Norm;
  eps: number;
  seed: number;
  model: string;
  model_sha256: string;
  data: string;
  data_sha256: string;
  /** Present for transfer attacks (--surrogate). */
  transfer?: {
    inner: string;
    surrogate: string;
    surrogate_sha256: string;
    surrogate_forward_calls: number;
    surrogate_gradient_calls: number;
  };
  n: number;
  clean_accuracy: number;
  robust_accuracy: number;
  per_sample: PerSample[];
  /** Samples through the TARGET's predict / lossAndGrad, verification included. */
  forward_calls: number;
  gradient_calls: number;
  seconds: number;
}

/** Attack parameters from the tuning flags, validated against the attack's schema (UsageError otherwise). */
export function attackParams(def: AnyAttack, name: string, o: TuningValues): unknown {
  const fields = paramFields(def);
  const keys = new Set(fields.map((f) => f.key));
  const params: Record<string, unknown> = {};
  for (const t of TUNING_FLAGS) {
    const v = o[t.option];
    if (v === undefined || v === false) continue;
    const key = t.keys.find((k) => keys.has(k));
    if (!key) throw new UsageError(`${name} does not take ${t.flag}. ${describeAccepted(name, fields)}`);
    params[key] = v;
  }
  return parseParams(def, params);
}

function describeAccepted(name: string, fields: ParamField[]): string {
  const flags = TUNING_FLAGS.filter((t) => t.keys.some((k) => fields.some((f) => f.key === k))).map((t) => t.flag);
  const list = fields.map((f) => `  ${f.key}${'default' in f ? ` (default ${JSON.stringify(f.default)})` : ''}${f.description ? `: ${f.description}` : ''}`);
  return `${name} accepts ${flags.length ? flags.join(', ') : `none of ${TUNING_FLAGS.map((t) => t.flag).join(', ')}`}.` +
    (list.length ? ` Its parameters:\n${list.join('\n')}` : '');
}

/** Runs the attack, writes RESULT.json (and ADV.npz) and returns the report. */
export async function attack(modelPath: string, o: AttackOptions): Promise<AttackReport> {
  const inner = getAttack(o.attack);
  const params = attackParams(inner, o.attack, o);
  if (o.surrogate !== undefined && inner.needs !== 'gradients') {
    throw new UsageError(`${o.attack} uses only logits; --surrogate applies to gradient attacks (${GRADIENT_ATTACK_NAMES.join(', ')})`);
  }
  const dataSha = fileSha256(o.data);
  const { model, data, n } = await open(modelPath, o);
  let surrogate: Model | undefined;
  try {
    const C = model.info.numClasses;
    for (let i = 0; i < n; i++) {
      if (data.y[i] < 0 || data.y[i] >= C) throw new DataError(`${o.data}: label ${data.y[i]} of sample ${i} is not a class of this ${C}-class model`);
    }
    // --surrogate: the attack (its --straight-through included) runs on the surrogate; runAttack verifies on MODEL.
    if (o.surrogate !== undefined) surrogate = await loadModel(o.surrogate, { provider: o.provider, threads: o.threads });
    const transfer: TransferDefinition | undefined = surrogate ? transferAttack(surrogate, inner, params) : undefined;
    const def: AnyAttack = transfer ?? inner;
    const runParams = transfer ? {} : params;

    const per = data.x.length / data.n;
    const batch: AttackBatch = {
      x: data.x.subarray(0, n * per), n, y: data.y.subarray(0, n),
      lower: data.lower.subarray(0, n * per), upper: data.upper.subarray(0, n * per),
    };
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let r: AttackResult;
    try {
      r = await runAttack(def, model, batch, { norm: o.norm, eps: o.eps }, runParams, { seed: o.seed, signal: controller.signal, onProgress: o.onProgress });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }

    const perSample: PerSample[] = [];
    for (let i = 0; i < n; i++) {
      perSample.push({
        index: i, label: data.y[i], clean_correct: r.cleanCorrect[i] === 1, attacked_correct: r.cleanCorrect[i] === 1 && r.success[i] === 0,
        perturbation_norm: r.norms[i], adv_pred: r.advPred[i],
      });
    }
    const clean = r.cleanCorrect.reduce((s, v) => s + v, 0) / n;
    const report: AttackReport = {
      gauntlet_version: GAUNTLET_VERSION, attack: r.attack, params, norm: o.norm, eps: o.eps, seed: o.seed,
      model: modelPath, model_sha256: model.info.modelSha256, data: o.data, data_sha256: dataSha,
      ...(surrogate && transfer ? {
        transfer: {
          inner: o.attack,
          surrogate: o.surrogate!,
          surrogate_sha256: surrogate.info.modelSha256,
          surrogate_forward_calls: transfer.surrogateCalls().forward,
          surrogate_gradient_calls: transfer.surrogateCalls().gradient,
        },
      } : {}),
      n, clean_accuracy: clean, robust_accuracy: robustAccuracy(r), per_sample: perSample,
      forward_calls: r.forwardCalls, gradient_calls: r.gradientCalls, seconds: r.seconds,
    };
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    if (o.adv) writeFileSync(o.adv, advNpz(r, data.sampleShape));
    return report;
  } finally {
    await surrogate?.close();
    await model.close();
  }
}

/**
 * The adversarial examples the attack found (clean-correct points it broke; clean-misclassified
 * points are not included): x_adv [k, ...sample] float32, index/pred int64 [k], norm float64 [k].
 */
function advNpz(r: AttackResult, sampleShape: number[]): Uint8Array {
  const per = r.xAdv.length / r.n;
  const idx: number[] = [];
  for (let i = 0; i < r.n; i++) if (r.cleanCorrect[i] && r.success[i]) idx.push(i);
  const x = new Float32Array(idx.length * per);
  idx.forEach((i, j) => x.set(r.xAdv.subarray(i * per, (i + 1) * per), j * per));
  return writeNpz({
    x_adv: { dtype: 'float32', shape: [idx.length, ...sampleShape], data: x },
    index: { dtype: 'int64', shape: [idx.length], data: BigInt64Array.from(idx, (i) => BigInt(i)) },
    norm: { dtype: 'float64', shape: [idx.length], data: Float64Array.from(idx, (i) => r.norms[i]) },
    pred: { dtype: 'int64', shape: [idx.length], data: BigInt64Array.from(idx, (i) => BigInt(r.advPred[i])) },
  });
}

/** The one-screen summary printed after a run. */
export function summary(r: AttackReport, o: Pick<AttackOptions, 'out' | 'adv'>): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const cleanN = r.per_sample.filter((s) => s.clean_correct).length;
  const robustN = r.per_sample.filter((s) => s.attacked_correct).length;
  const broken = r.per_sample.filter((s) => s.clean_correct && !s.attacked_correct);
  const meanNorm = broken.length ? broken.reduce((s, p) => s + p.perturbation_norm, 0) / broken.length : 0;
  const lines = [
    `attack    ${r.attack} ${JSON.stringify(r.params)}`,
    `threat    ${r.norm} eps=${r.eps}  seed ${r.seed}`,
    `model     ${r.model} (sha256 ${r.model_sha256.slice(0, 16)}…)`,
    `data      ${r.data}: ${r.n} samples`,
    `clean     ${pct(r.clean_accuracy)} (${cleanN}/${r.n})`,
    `robust    ${pct(r.robust_accuracy)} (${robustN}/${r.n})  broken ${broken.length}, mean ${r.norm} norm ${meanNorm.toPrecision(4)}`,
    `calls     ${r.forward_calls} forward, ${r.gradient_calls} gradient samples` +
      (r.transfer ? ` (+ surrogate ${r.transfer.surrogate_forward_calls} forward, ${r.transfer.surrogate_gradient_calls} gradient)` : ''),
    `time      ${r.seconds.toFixed(2)} s`,
    `wrote     ${o.out}${o.adv ? `, ${o.adv}` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** ε ≥ 0: 0 (a clean check), a decimal or an exact fraction such as 8/255. */
function nonNegativeEps(value: string): number {
  const v = Number(value);
  if (value.trim() !== '' && v === 0) return 0;
  return epsArg(value).eps;
}

export function attackCommand(done: (code: number) => void): Command {
  return withRunOptions(new Command('attack'))
    .description('run one attack on MODEL over an evaluation set; writes per-sample results as JSON')
    .argument('<model.onnx>', 'ONNX classifier (the target)')
    .addOption(new Option('--attack <name>', 'attack to run').choices(BASE_ATTACK_NAMES).argParser(choice(BASE_ATTACK_NAMES)).makeOptionMandatory())
    .addOption(new Option('--norm <norm>', 'threat norm').choices(NORMS).argParser(choice(NORMS)).default('linf'))
    .requiredOption('--eps <eps>', 'radius of the threat ball in the units of the input box (x, lower, upper): a number (0.03) or a fraction (8/255)', nonNegativeEps)
    .option('--steps <count>', 'iterations: gradient steps (gradient attacks)', positiveInt)
    .option('--restarts <count>', 'random restarts (attacks that restart)', positiveInt)
    .option('--queries <count>', 'query budget (score-based attacks)', positiveInt)
    .option('--eot <count>', 'gradient draws averaged per step on models with random ops (EOT)', positiveInt)
    .option('--seed <seed>', 'random seed', nonNegativeInt, 0)
    .option('--surrogate <model.onnx>', 'transfer attack: craft on this model, verify on MODEL')
    .option('--straight-through', 'BPDA: identity gradient through non-differentiable ops (of MODEL, or of the surrogate)')
    .requiredOption('--out <result.json>', 'per-sample results (JSON)')
    .option('--adv <adv.npz>', 'write the adversarial examples found: x_adv, index, norm, pred')
    .action(async (modelPath: string, o: AttackOptions) => {
      const tty = process.stderr.isTTY === true;
      let last = 0;
      const onProgress = tty ? (p: AttackProgress) => {
        const now = Date.now();
        if (now - last < 100 && p.done < p.total) return;
        last = now;
        process.stderr.write(`\r\x1b[K${p.attack}: ${p.done}/${p.total}  robust ${(100 * p.robustAccuracy).toFixed(1)}%`);
      } : undefined;
      let r: AttackReport;
      try {
        r = await attack(modelPath, { ...o, onProgress });
      } finally {
        if (tty && last > 0) process.stderr.write('\r\x1b[K');
      }
      process.stdout.write(summary(r, o));
      done(0);
    });
}
