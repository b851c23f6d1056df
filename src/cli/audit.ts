/**
 * `gauntlet audit MODEL --data D.npz --norm linf|l2 --eps E [--preset quick|standard|thorough]
 * [--policy P] [--seed S] [--resume] --out DIR`: runs the audit (src/audit/audit.ts), writes
 * the report and its signed forms into DIR (src/report/artifacts.ts), prints a one-screen summary with the verdict.
 * --min-robust-accuracy, --min-clean-accuracy, --max-hypocritical-risk and --confidence are policy
 * shortcuts (over --policy's file, or the default flags). Exit codes: 0 PASS or UNGATED (no
 * requirement stated), 1 FAIL, 2 error, 130 interrupted (Ctrl-C: the checkpoint keeps finished
 * work for --resume). `gauntlet audit --demo` audits the bundled fixture CNN on the bundled MNIST
 * evaluation set. Progress goes to stderr (./progress.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { CancelledError, UsageError } from '../errors';
import { NORMS, Norm } from '../attacks/types';
import { AuditProgress } from '../audit/audit';
import { Artifacts } from '../report/artifacts';
import { PRESETS, Preset } from '../audit/battery';
import { auditFromFiles } from '../usecases/from-files';
import { PROVIDERS, Provider } from '../runtime/session';
import type { Interval, Report } from '../schema/report';
import { pointsForHalfWidth } from '../util/clopper-pearson';
import { choice, epsArg, fractionArg, levelArg, nonNegativeInt, positiveInt } from './options';
import { ProgressDisplay } from './progress';
import type { ParsedEps } from '../util/eps';
import { packageRoot } from '../util/entry';
import { BOUND_METHODS, BoundMethod } from '../model/certifier';

const CERTIFY_CHOICES = ['none', ...BOUND_METHODS] as const;

export interface AuditCliOptions {
  data?: string;
  n?: number;
  norm: Norm;
  /** --eps as parsed (a decimal, or an exact fraction such as 8/255). */
  eps?: ParsedEps;
  preset: Preset;
  policy?: string;
  seed: number;
  resume?: boolean;
  out?: string;
  reference?: string;
  provider: Provider;
  threads?: number;
  chunk?: number;
  /** --logits: the graph output holding the class scores (required when the model has several). */
  logits?: string;
  demo?: boolean;
  /** false with --no-sign. */
  sign?: boolean;
  minRobustAccuracy?: number;
  minCleanAccuracy?: number;
  maxHypocriticalRisk?: number;
  minCertifiedAccuracy?: number;
  confidence?: number;
  /** --certify: the bound method, or 'none' (default ibp). */
  certify?: BoundMethod | 'none';
  onProgress?: (p: AuditProgress) => void;
  /** Notes for the user (e.g. ignored arrays of the data file); default: none (the command prints them on stderr). */
  onNote?: (message: string) => void;
}

/** Exit code of an audit stopped by Ctrl-C (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** The audit was interrupted (SIGINT); `resumable` when a checkpoint keeps finished work. */
export class AuditInterrupted extends CancelledError {
  constructor(message: string, readonly resumable: boolean) {
    super(message);
  }
}


/** The --demo settings: the bundled fixture CNN, MNIST evaluation set and reference set. */
export function demoSettings(): { model: string; data: string; norm: Norm; eps: number; preset: Preset; reference: string; out: string } {
  const root = packageRoot(__dirname);
  return {
    model: join(root, 'fixtures', 'models', 'cnn.onnx'), data: join(root, 'fixtures', 'data', 'mnist-eval.npz'),
    norm: 'linf', eps: 0.1, preset: 'quick', reference: 'mnist', out: 'reports/demo',
  };
}

/** Runs an audit from CLI options; resolves to the report and where it was written. */
export async function audit(modelArg: string | undefined, o: AuditCliOptions): Promise<{ report: Report; out: string; files: string[]; signer: Artifacts['signer'] }> {
  let modelPath = modelArg;
  let dataPath = o.data;
  let eps = o.eps;
  let norm = o.norm;
  let preset = o.preset;
  let reference = o.reference;
  let out = o.out;
  if (o.demo) {
    if (modelArg !== undefined) throw new UsageError('--demo audits the bundled model; give either MODEL or --demo');
    const d = demoSettings();
    modelPath = d.model;
    dataPath ??= d.data;
    eps ??= { eps: d.eps, epsExact: null };
    norm = o.norm ?? d.norm;
    preset = o.preset ?? d.preset;
    reference ??= d.reference;
    out ??= d.out;
  }
  if (!modelPath) throw new UsageError('missing MODEL (an .onnx file), or use --demo');
  if (!dataPath) throw new UsageError('missing --data <file.npz>');
  if (eps === undefined) throw new UsageError('missing --eps <radius>');
  if (!out) throw new UsageError('missing --out <dir>');
  preset ??= 'standard';
  norm ??= 'linf';

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await auditFromFiles({
      modelPath, dataPath, reference: reference ?? null, norm, eps: eps.eps, epsExact: eps.epsExact, preset, seed: o.seed, n: o.n, chunk: o.chunk,
      policyPath: o.policy ?? null, out, resume: o.resume,
      policyShortcuts: {
        values: {
          minRobustAccuracy: o.minRobustAccuracy, minCleanAccuracy: o.minCleanAccuracy, maxHypocriticalRisk: o.maxHypocriticalRisk,
          minCertifiedAccuracy: o.minCertifiedAccuracy, confidence: o.confidence,
        },
        origin: 'command line',
      }, provider: o.provider, threads: o.threads, sign: o.sign !== false, output: o.logits, certify: o.certify,
    }, { signal: controller.signal, onProgress: o.onProgress, onNote: o.onNote });
  } catch (e) {
    if (e instanceof CancelledError && controller.signal.aborted) {
      const ckpt = join(out, 'checkpoint.json');
      if (existsSync(ckpt)) throw new AuditInterrupted(`audit interrupted; finished work is saved in ${ckpt} — rerun the same command with --resume to continue`, true);
      throw new AuditInterrupted('audit interrupted before any unit of work finished; nothing to resume', false);
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);
/** A figure with its interval: "56.2% [51.7–60.6]". */
const ci = (v: number | null, i: Interval | null) => (v === null || i === null ? pct(v) : `${pct(v)} [${(100 * i.lower).toFixed(1)}–${(100 * i.upper).toFixed(1)}]`);

/** The one-screen summary. */
export function summary(r: Report, files: string[], signer: Artifacts['signer'] = null): string {
  const L: string[] = [];
  const g = r.gate!;
  L.push(`Gauntlet audit — ${r.battery.id} (${r.battery.preset}), ${r.threat.norm} ε=${r.threat.epsExact ? `${r.threat.epsExact} (${r.threat.eps.toPrecision(6)})` : r.threat.eps}, seed ${r.seed}`);
  L.push(`model     ${r.model.name}  sha256 ${r.model.sha256.slice(0, 16)}…`);
  L.push(`data      ${r.data.name}: ${r.data.n} points  sha256 ${r.data.sha256.slice(0, 16)}…`);
  const level = `${Number((100 * r.intervals.level).toPrecision(4))}%`;
  L.push(`clean     ${ci(r.cleanAccuracy, r.cleanAccuracyInterval)}  (figures in [ ] are exact ${level} Clopper–Pearson intervals, in %)`);
  L.push(`robust    ${ci(r.robustAccuracy, r.robustAccuracyInterval)}  (per point, the minimum over ${r.stages.length} stages)`);
  L.push(`          ±1 pp at ${level} needs ${fmtInt(pointsForHalfWidth(r.robustAccuracy, 0.01, r.intervals.level))} points at this robust accuracy (this audit: ${fmtInt(r.data.n)})`);
  const cert = r.certification;
  if (cert) {
    L.push(cert.notCertifiable
      ? `certified —  nothing certifiable (${cert.method}): ${cert.notCertifiable}`
      : `certified ${ci(cert.certifiedAccuracy, cert.certifiedAccuracyInterval)}  (${cert.method}${cert.byMethod ? ` of ${Object.entries(cert.byMethod).map(([m, c]) => `${m} ${c}`).join(', ')}` : ''}: proven; certified ≤ true robust ≤ attacked)`);
  }
  for (const s of r.stages) {
    L.push(`  ${s.attack.padEnd(10)} ${s.origin === 'battery' ? '' : `[${s.origin}] `}broke ${String(s.broken).padStart(4)} of ${String(s.attacked).padStart(4)}  → ${ci(s.robustAccuracyAfter, s.robustAccuracyAfterInterval)}  ${s.seconds.toFixed(1)} s`);
  }
  if (r.adaptations.length) L.push(`adapted   ${r.adaptations.map((a) => `${a.id} (${a.trigger})`).join('; ')}`);
  L.push(`sweep     ${r.sweep.points.map((p) => `ε=${p.eps}: ${ci(p.robustAccuracy, p.robustAccuracyInterval)}`).join('  ')}`);
  const mn = r.sweep.minimalNorms;
  if (mn) L.push(`min-norm  median ${mn.quantiles.p50?.toPrecision(3) ?? '∞'} (p10 ${mn.quantiles.p10?.toPrecision(3) ?? '∞'}, p90 ${mn.quantiles.p90?.toPrecision(3) ?? '∞'}), found ${mn.found}/${mn.n}`);
  const worst = r.perClass.classes.filter((c) => c.robustAccuracy !== null).sort((a, b) => a.robustAccuracy! - b.robustAccuracy!)[0];
  if (worst) L.push(`classes   gap ${pct(r.perClass.robustAccuracyGap)}; weakest class ${worst.label} at ${ci(worst.robustAccuracy, worst.robustAccuracyInterval)}${worst.smallSample ? ` (n = ${worst.n} < 30: small sample)` : ''}; hardest pair ${r.perClass.hardPairs[0] ? `${r.perClass.hardPairs[0].from}→${r.perClass.hardPairs[0].to} (${r.perClass.hardPairs[0].count})` : '—'}`);
  if (r.hypocritical) L.push(`hypocr.   risk ${ci(r.hypocritical.risk, r.hypocritical.riskInterval)} (${r.hypocritical.fixable}/${r.hypocritical.misclassified} misclassified fixable), faked accuracy ${ci(r.hypocritical.fakedAccuracy, r.hypocritical.fakedAccuracyInterval)}`);
  if (r.integrity) L.push(`integrity ${r.integrity.flagged ? 'FLAGGED' : 'ok'} vs ${r.integrity.reference.name} (KS ${r.integrity.ks.statistic.toFixed(3)}, p ${r.integrity.ks.pValue.toPrecision(2)})`);
  L.push(`checks    ${r.checks.map((c) => `${c.id}:${c.status}`).join('  ')}`);
  L.push(`time      ${r.timings.total.toFixed(1)} s${r.resumed ? ` (resumed ${r.resumed}×)` : ''}`);
  L.push(`wrote     ${files.join(', ')}`);
  L.push(signer
    ? `signed    ${signer.algorithm} key ${signer.fingerprint.slice(0, 16)}… (${signer.created ? 'generated now in ' : ''}${signer.keySource}); check with gauntlet verify ${join(dirname(files[0]), 'report.intoto.jsonl')}`
    : 'signed    no (--no-sign)');
  L.push(`VERDICT   ${g.verdict} (policy ${g.policy.name}${g.confidence !== null ? `, thresholds on ${Number((100 * g.confidence).toPrecision(4))}% interval bounds` : ''})`);
  for (const rule of g.rules.filter((x) => !x.passed)) L.push(`  ✗ ${rule.message}`);
  if (g.verdict === 'PASS') for (const rule of g.rules.filter((x) => x.passed && x.interval)) L.push(`  ✓ ${rule.message}`);
  if (g.note) L.push(`  ${g.note}`);
  return `${L.join('\n')}\n`;
}

function fmtInt(v: number): string {
  return Number.isFinite(v) ? v.toLocaleString('en-US') : '∞';
}

export function auditCommand(done: (code: number) => void): Command {
  return new Command('audit')
    .description('audit MODEL: the adaptive attack battery, reliability checks, hypocritical risk, per-class analysis and the policy gate')
    .argument('[model.onnx]', 'ONNX classifier (omit with --demo)')
    .option('--demo', 'audit the bundled fixture CNN on the bundled MNIST set (linf ε=0.1, quick preset, out reports/demo)')
    .option('--data <file.npz>', 'evaluation set: x (float32), y (int labels), optional lower/upper')
    .option('--logits <output>', 'name of the graph output that holds the class scores; required when the model has several outputs')
    .option('--n <count>', 'use only the first N points', positiveInt)
    .addOption(new Option('--norm <norm>', 'threat norm; default linf').choices(NORMS).argParser(choice(NORMS)))
    .option('--eps <eps>', 'radius of the threat ball, a number (0.03) or an exact fraction (8/255), in the units of the input box: the same units as x, lower and upper in the .npz — 8/255 for images in [0, 1], or on the normalised scale when normalisation is outside the graph', epsArg)
    .addOption(new Option('--preset <name>', 'battery preset; default standard (--demo: quick)').choices(PRESETS).argParser(choice(PRESETS)))
    .option('--policy <file>', 'policy (JSON or YAML) for the gate; without a policy or shortcut the verdict is UNGATED (or FAIL on unreliable-evaluation and data flags)')
    .option('--min-robust-accuracy <fraction>', "policy shortcut: least robust accuracy at the audit's ε, e.g. 0.5", fractionArg)
    .option('--min-clean-accuracy <fraction>', 'policy shortcut: least clean accuracy', fractionArg)
    .option('--max-hypocritical-risk <fraction>', 'policy shortcut: largest hypocritical risk', fractionArg)
    .option('--min-certified-accuracy <fraction>', "policy shortcut: least certified accuracy at the audit's ε", fractionArg)
    .addOption(new Option('--certify <method>', 'certification: prove per point that no input within ε changes the class (docs/certification.md); none to skip').choices(CERTIFY_CHOICES).argParser(choice(CERTIFY_CHOICES)).default('ibp'))
    .option('--confidence <level>', "policy shortcut: apply minima to the lower and maxima to the upper bound of the exact interval at this level, e.g. 0.95", levelArg)
    .option('--reference <name|file.npz>', 'auditor-held reference set for the data-integrity check (bundled: mnist)')
    .option('--seed <seed>', 'random seed', nonNegativeInt, 0)
    .option('--resume', 'continue an interrupted audit from DIR/checkpoint.json (Ctrl-C saves it and exits 130); on a finished audit, re-gate it (e.g. with another --policy) without attacking again')
    .option('--out <dir>', 'output folder: report.json, report.pdf, report.intoto.jsonl, signing-key.pub.pem, junit.xml, adversarial.npz, checkpoint.json (kept after success: --resume with another --policy re-gates from it without attacking again; delete it when not needed); a folder this run created is removed if the run fails before writing anything')
    .option('--no-sign', 'do not sign: write the PDF unsigned and no attestation')
    .option('--chunk <count>', 'points per checkpointed unit (default 100)', positiveInt)
    .addOption(new Option('--provider <name>', 'execution provider').choices(PROVIDERS).argParser(choice(PROVIDERS)).default('cpu'))
    .option('--threads <count>', 'CPU threads for inference (default: all cores)', positiveInt)
    .addHelpText('after', `
Progress goes to stderr: a bar on a terminal, a plain line every 10–30 s elsewhere (CI logs).
Exit codes: 0 PASS or UNGATED, 1 FAIL, 2 usage or data error, 130 interrupted (resume with --resume).
Models must be ONNX; for PyTorch, TensorFlow/Keras and packing data see docs/bring-your-own-model.md.`)
    .action(async (modelPath: string | undefined, o: AuditCliOptions) => {
      const display = new ProgressDisplay({ stream: process.stderr });
      const onNote = (m: string) => process.stderr.write(`note: ${m}\n`);
      let r: Awaited<ReturnType<typeof audit>>;
      try {
        r = await audit(modelPath, { ...o, onProgress: (p) => display.update(p), onNote });
      } catch (e) {
        display.stop();
        if (e instanceof AuditInterrupted) {
          process.stderr.write(`gauntlet: ${e.message}\n`);
          done(EXIT_INTERRUPTED);
          return;
        }
        throw e;
      }
      display.stop();
      process.stdout.write(summary(r.report, r.files, r.signer));
      done(r.report.gate!.verdict === 'FAIL' ? 1 : 0);
    });
}
