/**
 * `gauntlet verify --recheck`: re-checks every adversarial example an audit claims, without
 * trusting Gauntlet's attacks — only the signed report, the model, the data and a forward pass.
 * Carlini et al. 2019, "On Evaluating Adversarial Robustness" (arXiv:1902.06705), §4: release the
 * adversarial examples so that anyone can confirm an evaluation's upper bound.
 *
 * For each claimed example j (adversarial.npz, see adversarialNpz in ./artifacts.ts):
 *   index_j < n (the audited points), not claimed twice, label_j = y[index_j],
 *   ‖x_adv_j − x[index_j]‖ ≤ ε in the report's threat norm (float64), lower ≤ x_adv_j ≤ upper,
 *   and a fresh forward pass classifies x_adv_j ≠ y[index_j] (randomized models: the label holds
 *   no majority of 9 draws, the rule of runAttack).
 * The clean points are re-predicted by the same rule. Then
 *   robust accuracy ≤ (#clean-correct − #confirmed breaks of clean-correct points) / n,
 * an upper bound that needs no trust in the audit; it must be ≥ the report's robust accuracy.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_SUCCESS_DRAWS, predictClasses } from '../attacks/run';
import { rowNorms } from '../attacks/project';
import type { LogitsModel, ThreatModel } from '../attacks/types';
import { EvalSet, loadEvalSet, readNpz, sliceEvalSet } from '../data';
import type { NdArray } from '../data';
import { DataError, UsageError } from '../errors';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { parseJsonStrict } from '../util/strict-json';
import { Report, reportSchema } from '../schema/report';
import { INTOTO_PAYLOAD_TYPE, parseEnvelopes, verifyEnvelope } from '../report/sign/dsse';
import { PREDICATE_TYPE, sha256File, statementSchema, Subject } from '../report/sign/statement';
import { TrustedKey, verifyFile, VerifyResult } from '../report/sign/verify';

/** The attestation subject that holds the claimed adversarial examples. */
export const ADVERSARIAL_SUBJECT = 'adversarial.npz';

/** The claims of an adversarial.npz, as typed arrays (k examples). */
export interface AdversarialClaims {
  k: number;
  /** [k, ...sampleShape] float32. */
  xAdv: Float32Array;
  sampleShape: number[];
  /** Point index into the evaluation set. */
  index: Int32Array;
  /** Claimed true label. */
  label: Int32Array;
  /** Index into report.stages of the stage that found it. */
  stage: Int32Array;
  /** Claimed ‖δ‖ in the threat norm. */
  norm: Float64Array;
  /** Claimed adversarial class. */
  pred: Int32Array;
}

/** Why a claimed example is not confirmed. */
export type RecheckReason = 'index-out-of-range' | 'duplicate-index' | 'label-mismatch' | 'outside-eps' | 'outside-box' | 'not-misclassified';

/** A claimed example that did not hold up, with every reason found. */
export interface RecheckFailure {
  /** Row in adversarial.npz. */
  example: number;
  /** The point index it claims. */
  index: number;
  reasons: RecheckReason[];
  /** The reasons in words, with the numbers. */
  message: string;
}

/** The re-checked figures. */
export interface RecheckFigures {
  /** Audited points (report.data.n). */
  n: number;
  claimed: number;
  confirmed: number;
  failures: RecheckFailure[];
  /** Points the fresh forward pass classifies correctly. */
  cleanCorrect: number;
  cleanAccuracy: number;
  /** Distinct clean-correct points with a confirmed break. */
  confirmedOnCleanCorrect: number;
  /** (cleanCorrect − confirmedOnCleanCorrect) / n: robust accuracy is at most this. */
  robustAccuracyBound: number;
  /** Forward passes per prediction: 1, or the majority-vote draws for a model with random ops. */
  draws: number;
  threat: ThreatModel;
}

const INT_DTYPES = new Set(['int64', 'int32', 'uint8', 'int8']);

function intArray(a: NdArray, name: string, k: number, file: string): Int32Array {
  if (!INT_DTYPES.has(a.dtype) || a.shape.length !== 1 || a.shape[0] !== k) {
    throw new DataError(`${file}: '${name}' must be an integer array of shape [${k}], found ${a.dtype} [${a.shape.join(', ')}]`);
  }
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const v = Number(a.data[i]);
    if (!Number.isSafeInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new DataError(`${file}: '${name}'[${i}] = ${String(a.data[i])} is out of range`);
    out[i] = v;
  }
  return out;
}

/**
 * Reads an adversarial.npz (x_adv, index, label, stage, norm, pred).
 * @throws DataError naming the file when an array is missing or has the wrong type or shape.
 */
export function parseAdversarialNpz(bytes: Uint8Array, file = ADVERSARIAL_SUBJECT): AdversarialClaims {
  let arrays: Map<string, NdArray>;
  try {
    arrays = readNpz(bytes);
  } catch (e) {
    throw new DataError(`${file}: not a readable .npz archive (${(e as Error).message})`);
  }
  const need = ['x_adv', 'index', 'label', 'stage', 'norm', 'pred'];
  const missing = need.filter((k) => !arrays.has(k));
  if (missing.length) throw new DataError(`${file}: missing array${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}; an adversarial.npz holds ${need.join(', ')}`);
  const x = arrays.get('x_adv')!;
  if ((x.dtype !== 'float32' && x.dtype !== 'float64') || x.shape.length < 2) {
    throw new DataError(`${file}: 'x_adv' must be float32 of shape [k, ...sample], found ${x.dtype} [${x.shape.join(', ')}]`);
  }
  const k = x.shape[0];
  const norm = arrays.get('norm')!;
  if (norm.dtype !== 'float64' && norm.dtype !== 'float32') throw new DataError(`${file}: 'norm' must be float64, found ${norm.dtype}`);
  if (norm.shape.length !== 1 || norm.shape[0] !== k) throw new DataError(`${file}: 'norm' must have shape [${k}], found [${norm.shape.join(', ')}]`);
  return {
    k,
    xAdv: x.data instanceof Float32Array ? x.data : Float32Array.from(x.data as Float64Array),
    sampleShape: x.shape.slice(1),
    index: intArray(arrays.get('index')!, 'index', k, file),
    label: intArray(arrays.get('label')!, 'label', k, file),
    stage: intArray(arrays.get('stage')!, 'stage', k, file),
    norm: Float64Array.from(norm.data as Float64Array),
    pred: intArray(arrays.get('pred')!, 'pred', k, file),
  };
}

const fmtPct = (v: number) => `${(100 * v).toFixed(1)}%`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const normName = (norm: ThreatModel['norm']) => (norm === 'linf' ? '‖δ‖∞' : '‖δ‖₂');

/** First element of row `row` outside [lower, upper] of point `i`, or −1. */
function outsideBox(xAdv: Float32Array, row: number, data: EvalSet, i: number, per: number): number {
  for (let k = 0; k < per; k++) {
    const v = xAdv[row * per + k];
    if (!(v >= data.lower[i * per + k] && v <= data.upper[i * per + k])) return k;
  }
  return -1;
}

/**
 * Re-checks the claims against the audited points (`data` = the first n points of the evaluation
 * set) with fresh forward passes of `model`. Pure apart from the model calls.
 * @throws DataError when the model, the data and the examples disagree in shape.
 */
export async function recheckClaims(
  model: LogitsModel, data: EvalSet, claims: AdversarialClaims, threat: ThreatModel, opts: { draws?: number; signal?: AbortSignal } = {},
): Promise<RecheckFigures> {
  if (!sameShape(model.info.inputShape, data.sampleShape)) {
    throw new DataError(`the evaluation set's samples are [${data.sampleShape.join(', ')}] but the model takes [${model.info.inputShape.join(', ')}] per sample`);
  }
  if (!sameShape(claims.sampleShape, data.sampleShape)) {
    throw new DataError(`the adversarial examples are [${claims.sampleShape.join(', ')}] per sample but the evaluation set's samples are [${data.sampleShape.join(', ')}]`);
  }
  const { n } = data;
  const per = data.x.length / n;
  const draws = model.info.random.length > 0 ? (opts.draws ?? DEFAULT_SUCCESS_DRAWS) : 1;
  const clean = await predictClasses(model, data.x, n, draws, opts.signal);
  const cleanCorrect = Uint8Array.from(clean, (c, i) => (c === data.y[i] ? 1 : 0));

  // Structural checks first; only rows with a valid, first-claimed index go to the model.
  const reasons: RecheckReason[][] = Array.from({ length: claims.k }, () => []);
  const words: string[][] = Array.from({ length: claims.k }, () => []);
  const fail = (j: number, r: RecheckReason, text: string) => { reasons[j].push(r); words[j].push(text); };
  const firstClaim = new Map<number, number>();
  const rows: number[] = [];
  for (let j = 0; j < claims.k; j++) {
    const i = claims.index[j];
    if (i < 0 || i >= n) { fail(j, 'index-out-of-range', `index ${i} is not one of the ${n} audited points`); continue; }
    const first = firstClaim.get(i);
    if (first !== undefined) { fail(j, 'duplicate-index', `point ${i} is already claimed by example ${first}`); continue; }
    firstClaim.set(i, j);
    rows.push(j);
    if (claims.label[j] !== data.y[i]) fail(j, 'label-mismatch', `claimed label ${claims.label[j]}, but the data labels point ${i} as ${data.y[i]}`);
    const d = rowNorms(claims.xAdv.subarray(j * per, (j + 1) * per), data.x.subarray(i * per, (i + 1) * per), 1, threat.norm)[0];
    if (!(d <= threat.eps)) fail(j, 'outside-eps', `${normName(threat.norm)} = ${d} > ε = ${threat.eps}`);
    const k = outsideBox(claims.xAdv, j, data, i, per);
    if (k >= 0) fail(j, 'outside-box', `element ${k} is ${claims.xAdv[j * per + k]}, outside the data's box [${data.lower[i * per + k]}, ${data.upper[i * per + k]}]`);
  }
  if (rows.length > 0) {
    const x = new Float32Array(rows.length * per);
    rows.forEach((j, r) => x.set(claims.xAdv.subarray(j * per, (j + 1) * per), r * per));
    const pred = await predictClasses(model, x, rows.length, draws, opts.signal);
    rows.forEach((j, r) => {
      const y = data.y[claims.index[j]];
      if (pred[r] === y) {
        fail(j, 'not-misclassified', draws > 1 ? `a majority of ${draws} fresh forward passes classifies it as its label ${y}` : `a fresh forward pass classifies it as its label ${y}`);
      }
    });
  }

  const failures: RecheckFailure[] = [];
  let confirmedOnCleanCorrect = 0;
  for (let j = 0; j < claims.k; j++) {
    if (reasons[j].length) failures.push({ example: j, index: claims.index[j], reasons: reasons[j], message: words[j].join('; ') });
    else if (cleanCorrect[claims.index[j]]) confirmedOnCleanCorrect++;
  }
  const nCorrect = cleanCorrect.reduce((s, v) => s + v, 0);
  return {
    n, claimed: claims.k, confirmed: claims.k - failures.length, failures,
    cleanCorrect: nCorrect, cleanAccuracy: nCorrect / n, confirmedOnCleanCorrect,
    robustAccuracyBound: (nCorrect - confirmedOnCleanCorrect) / n, draws, threat: { ...threat },
  };
}

/** The signed report and subjects of the first envelope that verifies with `keys` and holds a Gauntlet report. */
export function signedReport(envelopeText: string, keys: TrustedKey[]): { report: Report; subjects: Subject[] } | null {
  for (const env of parseEnvelopes(envelopeText)) {
    if (env.payloadType !== INTOTO_PAYLOAD_TYPE) continue;
    const check = verifyEnvelope(env, keys.map((k) => k.key));
    if (check.verifiedBy.length === 0) continue;
    let payload: unknown;
    try {
      payload = parseJsonStrict(check.payload.toString('utf8'));
    } catch {
      continue;
    }
    const st = statementSchema.safeParse(payload);
    if (!st.success || st.data.predicateType !== PREDICATE_TYPE) continue;
    const rep = reportSchema.safeParse(st.data.predicate);
    if (rep.success) return { report: rep.data, subjects: st.data.subject };
  }
  return null;
}

export interface RecheckOptions {
  /** The DSSE envelope file (report.intoto.jsonl). */
  file: string;
  keys: TrustedKey[];
  model: string;
  data: string;
  /** Default: adversarial.npz next to the envelope. */
  adversarial?: string;
  /** Majority-vote draws for models with random ops (default 9). */
  draws?: number;
  /** CPU threads for inference (default: all cores). */
  threads?: number;
}

/** The recheck part of a verification. */
export interface RecheckReport {
  adversarial: { file: string; sha256: string; expected: string | null; ok: boolean };
  /** The report's own figures, for comparison. */
  report: { n: number; cleanAccuracy: number; robustAccuracy: number; threat: ThreatModel; model: string; data: string } | null;
  /** null when the recheck did not run (the verification or the adversarial digest failed). */
  figures: RecheckFigures | null;
}

/** A verification with its recheck; `valid` and `problems` cover both. */
export type RecheckedVerification = VerifyResult & { recheck: RecheckReport };

/**
 * `verify --recheck`: the normal verification (signature, model and data digests), then the
 * adversarial.npz digest against the signed subject, then recheckClaims on the first
 * report.data.n points. Invalid (valid: false, problems in words) when anything fails to verify
 * or a claim is not confirmed.
 * @throws UsageError / DataError / ModelError for unusable input (a PDF, unreadable files, shapes that do not fit).
 */
export async function recheckAttestation(o: RecheckOptions): Promise<RecheckedVerification> {
  let head: Buffer;
  try {
    head = readFileSync(o.file).subarray(0, 5);
  } catch (e) {
    throw new UsageError(`cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (head.toString('latin1') === '%PDF-') {
    throw new UsageError('--recheck needs the attestation (report.intoto.jsonl): a signed PDF carries only a summary of the report, not the audited points and threat model');
  }
  const advFile = o.adversarial ?? join(dirname(o.file), ADVERSARIAL_SUBJECT);
  const advSha = sha256File(advFile);
  const v = verifyFile(o.file, { keys: o.keys, model: o.model, data: o.data });
  const recheck: RecheckReport = { adversarial: { file: advFile, sha256: advSha, expected: null, ok: false }, report: null, figures: null };
  const out: RecheckedVerification = { ...v, recheck };
  const invalid = (problem: string) => { out.problems.push(problem); out.valid = false; return out; };
  if (!v.valid) return invalid('recheck skipped: the attestation did not verify');

  const signed = signedReport(readFileSync(o.file, 'utf8'), o.keys);
  if (!signed) return invalid('recheck skipped: no verified Gauntlet report in the attestation');
  const { report, subjects } = signed;
  recheck.report = { n: report.data.n, cleanAccuracy: report.cleanAccuracy, robustAccuracy: report.robustAccuracy, threat: report.threat, model: report.model.name, data: report.data.name };
  const subject = subjects.find((s) => s.name === ADVERSARIAL_SUBJECT);
  if (!subject) return invalid(`the attestation has no '${ADVERSARIAL_SUBJECT}' subject: there are no signed adversarial examples to re-check`);
  recheck.adversarial.expected = subject.digest.sha256;
  recheck.adversarial.ok = subject.digest.sha256 === advSha;
  if (!recheck.adversarial.ok) {
    return invalid(`adversarial examples ${advFile} do not match the signed '${ADVERSARIAL_SUBJECT}': its sha256 is ${advSha}, the signed digest is ${subject.digest.sha256}`);
  }

  const all = loadEvalSet(o.data);
  const n = report.data.n;
  if (n < 1 || n > all.n) throw new DataError(`${o.data}: the report audited ${n} points, the evaluation set has ${all.n}`);
  const data = n < all.n ? sliceEvalSet(all, 0, n) : all;
  const claims = parseAdversarialNpz(readFileSync(advFile), advFile);
  // The output the report audited (a model with several outputs): the signed report names it.
  const model: Model = await loadModel(o.model, { inProcess: true, threads: o.threads, output: report.model.output });
  try {
    recheck.figures = await recheckClaims(model, data, claims, report.threat, { draws: o.draws });
  } finally {
    await model.close();
  }
  const f = recheck.figures;
  if (f.failures.length) {
    const first = f.failures[0];
    invalid(`${f.failures.length} of ${f.claimed} claimed adversarial examples not confirmed (first: example ${first.example}, point ${first.index}: ${first.message})`);
  }
  // Compare counts, not fractions: both figures are counts over n.
  if (Math.round(f.robustAccuracyBound * n) < Math.round(report.robustAccuracy * n)) {
    invalid(`the re-checked upper bound on robust accuracy, ${fmtPct(f.robustAccuracyBound)}, is below the report's ${fmtPct(report.robustAccuracy)}: the report counts as robust points that are misclassified or broken by its own examples`);
  }
  return out;
}
