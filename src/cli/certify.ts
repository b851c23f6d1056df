/**
 * `gauntlet certify MODEL --data D.npz --eps E --method ibp --out RESULT.json`: proves, per
 * point, that no input of the threat set changes the class (a lower bound of robust accuracy),
 * and writes the per-point certificates as JSON. Where the model has an op without a bound rule,
 * nothing is certified and the result says which op.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DataError, UnsupportedOpError } from '../errors';
import { fileSha256, loadEvalSet } from '../data';
import { NORMS, Norm } from '../attacks/types';
import { certifyPoints } from '../audit/certify';
import { BOUND_METHODS, BoundMethod, Certifier, loadCertifier } from '../model/certifier';
import { GAUNTLET_VERSION } from '../version';
import { REPORT_CONFIDENCE } from '../util/clopper-pearson';
import { choice, epsArg, positiveInt } from './options';

export interface CertifyOptions {
  data: string;
  n?: number;
  threads?: number;
  logits?: string;
  method: BoundMethod;
  norm: Norm;
  eps: number;
  out: string;
}

export interface CertifyReport {
  gauntlet_version: string;
  method: BoundMethod;
  norm: Norm;
  eps: number;
  model: string;
  model_sha256: string;
  data: string;
  data_sha256: string;
  n: number;
  certified_accuracy: number;
  /** Exact 95 % Clopper–Pearson interval of the certified accuracy. */
  certified_interval: { lower: number; upper: number; level: number };
  /** Why nothing is certified (an op without a bound rule), when that is so. */
  not_certifiable?: string;
  /** Method best: per method, the points it certifies on its own. */
  certified_by_method?: Record<string, number>;
  per_sample: { index: number; label: number; certified: boolean; margin_lower_bound: number | null }[];
  seconds: number;
}

/** Certifies the first n points of the data; writes RESULT.json and returns the report. */
export async function certify(modelPath: string, o: CertifyOptions): Promise<CertifyReport> {
  const data = loadEvalSet(o.data);
  const dataSha = fileSha256(o.data);
  const modelSha = fileSha256(modelPath);
  const n = Math.min(o.n ?? data.n, data.n);
  let certifier: Certifier | undefined;
  let unsupported: string | undefined;
  try {
    certifier = await loadCertifier(modelPath, { method: o.method, threads: o.threads, output: o.logits });
  } catch (e) {
    if (!(e instanceof UnsupportedOpError)) throw e;
    unsupported = e.message;
  }
  try {
    if (certifier) {
      const want = certifier.inputShape;
      if (want.length !== data.sampleShape.length || want.some((d, i) => d !== data.sampleShape[i])) {
        throw new DataError(`${o.data}: samples are [${data.sampleShape.join(', ')}] but the model takes [${want.join(', ')}] per sample`);
      }
      for (let i = 0; i < n; i++) {
        if (data.y[i] < 0 || data.y[i] >= certifier.numClasses) throw new DataError(`${o.data}: label ${data.y[i]} of sample ${i} is not a class of this ${certifier.numClasses}-class model`);
      }
    }
    const per = data.x.length / data.n;
    const r = await certifyPoints(certifier, {
      x: data.x.subarray(0, n * per), y: data.y.subarray(0, n), n,
      lower: data.lower.subarray(0, n * per), upper: data.upper.subarray(0, n * per), norm: o.norm, eps: o.eps,
    }, o.method, { unsupported });
    const report: CertifyReport = {
      gauntlet_version: GAUNTLET_VERSION, method: o.method, norm: o.norm, eps: o.eps,
      model: modelPath, model_sha256: modelSha, data: o.data, data_sha256: dataSha, n,
      certified_accuracy: r.certifiedAccuracy,
      certified_interval: { lower: r.interval.lower, upper: r.interval.upper, level: REPORT_CONFIDENCE },
      ...(r.unsupported ? { not_certifiable: r.unsupported } : {}),
      ...(r.byMethod ? { certified_by_method: r.byMethod } : {}),
      per_sample: Array.from({ length: n }, (_, i) => ({
        index: i, label: data.y[i], certified: r.certified[i] === 1, margin_lower_bound: Number.isFinite(r.margins[i]) ? r.margins[i] : null,
      })),
      seconds: r.seconds,
    };
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await certifier?.close();
  }
}

/** The one-screen summary printed after a run. */
export function certifySummary(r: CertifyReport, out: string): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const k = r.per_sample.filter((s) => s.certified).length;
  return [
    `method    ${r.method}${r.certified_by_method ? ` (on its own: ${Object.entries(r.certified_by_method).map(([m, c]) => `${m} ${c}`).join(', ')})` : ''}`,
    `threat    ${r.norm} eps=${r.eps}`,
    `model     ${r.model} (sha256 ${r.model_sha256.slice(0, 16)}…)`,
    `data      ${r.data}: ${r.n} samples`,
    `certified ${pct(r.certified_accuracy)} (${k}/${r.n}), 95% CI [${pct(r.certified_interval.lower)}, ${pct(r.certified_interval.upper)}]` +
      (r.not_certifiable ? `\n          nothing certifiable: ${r.not_certifiable}` : ''),
    `time      ${r.seconds.toFixed(2)} s`,
    `wrote     ${out}`,
  ].join('\n') + '\n';
}

export function certifyCommand(done: (code: number) => void): Command {
  return new Command('certify')
    .description('prove per point that no input within eps changes the class (a certified lower bound of robust accuracy); writes JSON')
    .argument('<model.onnx>', 'ONNX classifier')
    .requiredOption('--data <file.npz>', 'evaluation set: x (float32), y (int labels), optional lower/upper')
    .option('--n <count>', 'use only the first N samples', positiveInt)
    .option('--threads <count>', 'CPU threads (default: ONNX Runtime\'s)', positiveInt)
    .option('--logits <output>', 'name of the graph output that holds the class scores; required when the model has several outputs')
    .addOption(new Option('--method <name>', 'bound propagation method').choices(BOUND_METHODS).argParser(choice(BOUND_METHODS)).default('ibp'))
    .addOption(new Option('--norm <norm>', 'threat norm').choices(NORMS).argParser(choice(NORMS)).default('linf'))
    .requiredOption('--eps <eps>', 'radius of the threat ball in the units of the input box: a number (0.03) or a fraction (8/255)', (v: string) => epsArg(v).eps)
    .requiredOption('--out <result.json>', 'per-sample certificates (JSON)')
    .action(async (modelPath: string, o: CertifyOptions) => {
      const r = await certify(modelPath, o);
      process.stdout.write(certifySummary(r, o.out));
      done(0);
    });
}
