/**
 * The audit use case over files, shared by `gauntlet audit` and the service's job processes:
 * load the model, data, reference set and policy; run the audit with a checkpoint in the output
 * folder; write the report and its signed forms there. An audit that errors after it started
 * leaves only a junit.xml with an <error> case (./junit.ts errorToJUnit): no report.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CancelledError, GauntletError, UnsupportedOpError, UsageError } from '../errors';
import { EvalSet, checkFits, fileSha256, loadEvalSet, sliceEvalSet } from '../data';
import type { Norm } from '../attacks/types';
import { AuditOptions, AuditProgress, runAuditWithExamples } from '../audit/audit';
import { Artifacts, writeArtifacts } from '../report/artifacts';
import type { Preset } from '../audit/battery';
import { BUNDLED_REFERENCES } from '../audit/integrity';
import { ErroredAudit, errorToJUnit } from '../report/junit';
import { smoothSurrogate } from '../audit/smooth-surrogate';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE, applyShortcuts, hasShortcuts, loadPolicy, Policy, PolicyShortcuts, PolicySource } from '../audit/policy';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { BoundMethod, loadCertifier } from '../model/certifier';
import type { CertificationSetup } from '../audit/certification';
import type { Provider } from '../runtime/session';
import type { Report } from '../schema/report';

/** Everything an audit over files needs. Paths are absolute or relative to the working folder. */
export interface AuditFilesSpec {
  modelPath: string;
  /** Display name (default: the file name). */
  modelName?: string;
  /** Evaluation set (.npz), or null to audit on a bundled reference set named by `reference`. */
  dataPath: string | null;
  dataName?: string;
  /** Reference set for the integrity check: a bundled name (e.g. 'mnist') or an .npz path. */
  reference?: string | null;
  norm: Norm;
  eps: number;
  /** ε as the user wrote it when an exact fraction ('8/255'; recorded in report.threat.epsExact). */
  epsExact?: string | null;
  preset: Preset;
  seed: number;
  /** Use only the first n points. */
  n?: number;
  chunk?: number;
  /** Policy file (JSON/YAML); default: the built-in policy. */
  policyPath?: string | null;
  /** Display name of the policy (default: its file name). */
  policyName?: string;
  /** Policy shortcuts (--min-robust-accuracy …, the API config's), applied over the policy file or the default; `origin` names where they came from in the gate's policy name. */
  policyShortcuts?: { values: PolicyShortcuts; origin: string };
  /** Output folder (report files and checkpoint.json). */
  out: string;
  resume?: boolean;
  provider?: Provider;
  threads?: number;
  /** false: no signatures (unsigned PDF, no attestation). */
  sign?: boolean;
  /** The graph output holding the class scores; required when the model has several. */
  output?: string;
  /** Certification method, or 'none' (default 'ibp'). */
  certify?: BoundMethod | 'none';
}

export interface AuditFilesOptions {
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  /** Called with warnings (e.g. no smooth surrogate); default: stderr. */
  onWarning?: (message: string) => void;
  /** Called with notes for the user (e.g. arrays of the data file that were ignored); default: none. */
  onNote?: (message: string) => void;
  /** Environment for the signing-key lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface AuditFilesResult {
  report: Report;
  out: string;
  files: string[];
  signer: Artifacts['signer'];
}

/** The reference set named `reference` (bundled name or .npz path), loaded. */
export function loadReference(reference: string): { set: EvalSet; name: string; sha256: string; path: string } {
  const bundled = (BUNDLED_REFERENCES as Record<string, string>)[reference];
  const path = bundled ?? reference;
  if (!existsSync(path)) throw new UsageError(`reference set '${reference}' is neither a bundled set (bundled: ${Object.keys(BUNDLED_REFERENCES).join(', ')}) nor a file`);
  return { set: loadEvalSet(path), name: bundled ? `bundled:${reference}` : basename(path), sha256: fileSha256(path), path };
}

/** The loaded inputs of an audit over files; close() releases the models. */
export interface AuditInputs {
  model: Model;
  surrogate: Model | undefined;
  data: EvalSet;
  dataName: string;
  dataSha256: string;
  reference: { set: EvalSet; name: string; sha256: string } | null;
  policy: { policy: Policy; source: PolicySource };
  /** The certifier (or the reason there is none); null with --certify none. */
  certification: CertificationSetup | null;
  close(): Promise<void>;
}

/** Loads the policy, reference set, data and model of spec, and checks that the data fits the model. */
export async function openAuditInputs(spec: AuditFilesSpec, o: AuditFilesOptions = {}): Promise<AuditInputs> {
  const file = spec.policyPath
    ? (() => { const p = loadPolicy(spec.policyPath); return { policy: p.policy, source: { name: spec.policyName ?? p.name, sha256: p.sha256 } }; })()
    : null;
  const shortcuts = spec.policyShortcuts;
  const policy = shortcuts && hasShortcuts(shortcuts.values)
    ? applyShortcuts(file, shortcuts.values, shortcuts.origin)
    : file ?? { policy: DEFAULT_POLICY, source: DEFAULT_POLICY_SOURCE };
  const ref = spec.reference ? loadReference(spec.reference) : null;
  let data: EvalSet;
  let dataName: string;
  let dataSha: string;
  if (spec.dataPath) {
    data = loadEvalSet(spec.dataPath);
    dataName = spec.dataName ?? basename(spec.dataPath);
    dataSha = fileSha256(spec.dataPath);
  } else {
    if (!ref) throw new UsageError('no evaluation data: give a data file or a reference set to audit on');
    data = ref.set;
    dataName = spec.dataName ?? ref.name;
    dataSha = ref.sha256;
  }
  if (data.ignoredArrays?.length) o.onNote?.(`ignored arrays in ${dataName}: ${data.ignoredArrays.join(', ')} (an evaluation set uses x, y, lower, upper, target)`);
  if (spec.n !== undefined && spec.n < data.n) data = sliceEvalSet(data, 0, spec.n);
  const model: Model = await loadModel(spec.modelPath, { provider: spec.provider ?? 'cpu', threads: spec.threads, output: spec.output });
  let surrogate: Model | undefined;
  let certification: CertificationSetup | null = null;
  try {
    checkFits(model.info, data, dataName);
    if (ref) checkFits(model.info, ref.set, ref.name);
    if (model.info.nonDifferentiable.length > 0) surrogate = await loadSmoothSurrogate(spec, o);
    certification = await openCertification(spec);
  } catch (e) {
    await model.close();
    await surrogate?.close();
    throw e;
  }
  return {
    model, surrogate, data, dataName, dataSha256: dataSha, reference: ref && { set: ref.set, name: ref.name, sha256: ref.sha256 }, policy, certification,
    async close() { await model.close(); await surrogate?.close(); await certification?.certifier?.close(); },
  };
}

/** The audit options (for runAuditWithExamples) of spec over its loaded inputs. */
export function auditOptions(spec: AuditFilesSpec, i: AuditInputs, o: AuditFilesOptions, checkpointPath = join(spec.out, 'checkpoint.json')): AuditOptions {
  return {
    model: i.model, modelName: spec.modelName ?? basename(spec.modelPath), data: i.data, dataName: i.dataName, dataSha256: i.dataSha256,
    threat: { norm: spec.norm, eps: spec.eps }, epsExact: spec.epsExact ?? null, preset: spec.preset, seed: spec.seed, policy: i.policy, reference: i.reference,
    checkpointPath, resume: spec.resume, chunk: spec.chunk, signal: o.signal, onProgress: o.onProgress, smoothSurrogate: i.surrogate,
    certification: i.certification,
  };
}

/**
 * Runs an audit over files and writes its artifacts into spec.out. The checkpoint
 * (spec.out/checkpoint.json) is kept after a successful run: it holds exactly the finished units
 * that `--resume` with another policy replays to re-gate without attacking again; temporary files
 * of interrupted writes are removed. When the run fails before writing anything, an output folder
 * it created is removed (an existing folder never is).
 */
export async function auditFromFiles(spec: AuditFilesSpec, o: AuditFilesOptions = {}): Promise<AuditFilesResult> {
  const created = mkdirSync(spec.out, { recursive: true });
  try {
    const inputs = await openAuditInputs(spec, o);
    const started = process.hrtime.bigint();
    try {
      const { report, adversarial } = await runAuditWithExamples(auditOptions(spec, inputs, o));
      const written = await writeArtifacts(spec.out, report, adversarial, inputs.data, { sign: spec.sign !== false, env: o.env });
      removeTemporaryCheckpoints(spec.out);
      return { report, out: spec.out, files: written.files, signer: written.signer };
    } catch (e) {
      // The audit started but did not complete: a junit.xml with an <error> (CIs show red), no report.json.
      if (!(e instanceof CancelledError)) {
        writeErrorJUnit(spec.out, {
          message: (e instanceof Error ? e.message : String(e)).split('\n')[0], code: e instanceof GauntletError ? e.code : 'error',
          model: spec.modelName ?? basename(spec.modelPath), data: inputs.dataName, seconds: Number(process.hrtime.bigint() - started) / 1e9,
        });
      }
      throw e;
    } finally {
      await inputs.close();
    }
  } catch (e) {
    if (created) removeIfEmpty(spec.out, created);
    if (e instanceof CancelledError) {
      throw new CancelledError(`audit interrupted; finished work is saved in ${join(spec.out, 'checkpoint.json')}`);
    }
    throw e;
  }
}

/** Writes `out`/junit.xml for an audit that errored (best effort: the audit's own error is what the caller reports). */
function writeErrorJUnit(out: string, a: ErroredAudit): void {
  try {
    writeFileSync(join(out, 'junit.xml'), errorToJUnit(a));
  } catch { /* the folder is gone or read-only: the error itself still reaches the caller */ }
}

/** Removes `dir` and its parents up to `top` (the first folder mkdir created) while they are empty. */
function removeIfEmpty(dir: string, top: string): void {
  const stop = resolve(top);
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
    if (d === stop || dirname(d) === d) return;
  }
}

/** Leftover `checkpoint.json.tmp-<pid>` files of writes cut short by a kill. */
function removeTemporaryCheckpoints(out: string): void {
  for (const f of readdirSync(out)) {
    if (!/^checkpoint\.json\.tmp-\d+$/.test(f)) continue;
    try { unlinkSync(join(out, f)); } catch { /* another process's rename won the race */ }
  }
}

/** The certifier of spec's model; a model with an op without a bound rule gives the reason instead (nothing certified, not an error). */
async function openCertification(spec: AuditFilesSpec): Promise<CertificationSetup | null> {
  const method = spec.certify ?? 'ibp';
  if (method === 'none') return null;
  try {
    return { method, certifier: await loadCertifier(spec.modelPath, { method, threads: spec.threads, output: spec.output }) };
  } catch (e) {
    if (e instanceof UnsupportedOpError) return { method, unsupported: e.message };
    throw e;
  }
}

/** The smooth straight-through surrogate of the model, or undefined (with a warning) when it cannot be built or loaded. */
async function loadSmoothSurrogate(spec: AuditFilesSpec, o: AuditFilesOptions): Promise<Model | undefined> {
  try {
    const s = smoothSurrogate(readFileSync(spec.modelPath));
    if (s.replaced.length === 0) return undefined;
    return await loadModel(s.bytes, { provider: spec.provider ?? 'cpu', threads: spec.threads, output: spec.output });
  } catch (e) {
    const msg = `no smooth surrogate for the transfer stage (${(e as Error).message}); BPDA stages still run`;
    if (o.onWarning) o.onWarning(msg); else process.stderr.write(`gauntlet: warning: ${msg}\n`);
    return undefined;
  }
}
