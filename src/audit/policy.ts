/**
 * The policy gate: thresholds an audit report must meet, read from a JSON or YAML file (or given
 * as shortcuts: --min-robust-accuracy and friends, the API config), and their evaluation into the
 * report's `gate`, one rule per threshold. Verdicts: FAIL when a rule fails; PASS when none fails
 * and the policy states at least one requirement on a measured figure; UNGATED otherwise (no
 * policy, or flags only: nothing was required of the model, so nothing passes). A requirement the
 * audit did not measure fails: an unmeasured figure never passes silently.
 *
 * With `confidence: c`, a minimum applies to the lower bound of the figure's exact c-level
 * Clopper–Pearson interval and a maximum to its upper bound, so a figure measured on too few
 * points to be sure of the requirement fails.
 *
 * Example (YAML):
 *   minCleanAccuracy: 0.95
 *   minRobustAccuracy: 0.5          # at the audit's threat; or a list [{ norm: linf, eps: 0.1, min: 0.5 }]
 *   maxHypocriticalRisk: 0.02       # Tao et al. 2022, https://arxiv.org/abs/2107.07759
 *   minCertifiedAccuracy: 0.4       # proven (src/bounds) at the audit's threat
 *   confidence: 0.95
 *   failOnFlags: any
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors';
import type { Gate, GateRule, Interval, Report } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';
import { findJsonSyntaxError } from '../util/json-syntax';
import { describeReadFailure } from '../util/read-error';
import { joinIssues, listIssues } from '../util/zod';
import { canonicalJson } from './checkpoint';
import { CHECK_IDS, DEFAULT_FAIL_ON_FLAGS } from './checks';

/** Clean accuracy under which a model is "substandard" for the hypocritical-risk check, when the policy does not say. */
export const DEFAULT_SUBSTANDARD_BELOW = 0.9;

/** Policy files larger than this are refused (a policy is a handful of lines). */
export const MAX_POLICY_BYTES = 1 << 20;

/** Relative tolerance when matching a required ε against a measured one. */
const EPS_REL_TOL = 1e-9;
/** Absolute slack when comparing a measured fraction with a threshold (k/n vs a decimal literal). */
const FRACTION_TOL = 1e-12;

const FRACTION_HINT = 'must be a fraction in [0, 1] (write 0.5 for 50%)';
const fraction = z.number().min(0, FRACTION_HINT).max(1, FRACTION_HINT);

const robustRequirementShape = {
  norm: z.enum(['linf', 'l2']).optional().describe("threat norm (default: the audit's)"),
  eps: z.number().gt(0, 'must be > 0').finite().optional().describe("perturbation budget in input units of the norm (default: the audit's ε)"),
  min: fraction.describe('least robust accuracy allowed at this (norm, ε)'),
};
const robustRequirement = z.strictObject(robustRequirementShape, { error: unknownKeys(Object.keys(robustRequirementShape)) });
/** One robust-accuracy requirement; norm and ε default to the audit's threat. */
export type RobustRequirement = z.infer<typeof robustRequirement>;

const policyShape = {
  minCleanAccuracy: fraction.optional().describe('least clean accuracy allowed'),
  // A bare fraction is the requirement at the audit's threat (errors then point at minRobustAccuracy[0].min).
  minRobustAccuracy: z.preprocess((v) => (typeof v === 'number' ? [{ min: v }] : v), z.array(robustRequirement))
    .optional()
    .describe("least robust accuracy: a fraction (at the audit's threat) or a list of { norm, eps, min }; each must have been measured (the audit threat or a sweep point)"),
  maxHypocriticalRisk: fraction.optional()
    .describe('largest hypocritical risk allowed (Tao et al. 2022, arXiv:2107.07759); fails when it was not measured'),
  minCertifiedAccuracy: fraction.optional()
    .describe("least certified accuracy at the audit's threat (points proven robust by bound propagation); fails when certification did not run"),
  maxPerClassRobustGap: fraction.optional()
    .describe('largest difference between the best and worst per-class robust accuracy'),
  failOnFlags: z.union([z.literal('any'), z.array(z.string().min(1))], { error: "must be 'any' or a list of flag ids" })
    .optional()
    .describe("flag ids that fail the gate when the report raises them, or 'any'"),
  confidence: z.number().gt(0, 'must be in (0, 1), e.g. 0.95').lt(1, 'must be in (0, 1), e.g. 0.95').optional()
    .describe('apply minima to the lower and maxima to the upper bound of the exact (Clopper–Pearson) interval at this level'),
  substandardBelow: fraction.optional()
    .describe(`clean accuracy under which the model is "substandard" for the hypocritical-risk check (default ${DEFAULT_SUBSTANDARD_BELOW})`),
};

/** A policy file's content: every field optional; unknown keys are rejected. */
export const policySchema = z.strictObject(policyShape, { error: unknownKeys(Object.keys(policyShape)) })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    (p.minRobustAccuracy ?? []).forEach((r, i) => {
      const key = `${r.norm ?? 'audit norm'} ${r.eps ?? 'audit ε'}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['minRobustAccuracy', i], message: `duplicate requirement for ${r.norm ?? "the audit's norm"} ε=${r.eps ?? "the audit's"} (also entry ${first})` });
      } else seen.set(key, i);
    });
    if (Array.isArray(p.failOnFlags)) {
      p.failOnFlags.forEach((f, i) => {
        if (!(CHECK_IDS as readonly string[]).includes(f)) {
          ctx.addIssue({ code: 'custom', path: ['failOnFlags', i], message: `unknown flag '${f}'; flags: ${CHECK_IDS.join(', ')}` });
        }
      });
    }
  });

/** A validated policy. */
export type Policy = z.infer<typeof policySchema>;

/** The policy shortcuts of the CLI (--min-robust-accuracy …) and the API config (minRobustAccuracy …). */
export interface PolicyShortcuts {
  /** Least robust accuracy at the audit's threat. */
  minRobustAccuracy?: number;
  minCleanAccuracy?: number;
  maxHypocriticalRisk?: number;
  minCertifiedAccuracy?: number;
  confidence?: number;
}

/** The shortcuts' zod shape (API config and CLI share it). */
export const policyShortcutsShape = {
  minRobustAccuracy: fraction.optional().describe("least robust accuracy at the audit's threat (a policy shortcut)"),
  minCleanAccuracy: fraction.optional().describe('least clean accuracy (a policy shortcut)'),
  maxHypocriticalRisk: fraction.optional().describe('largest hypocritical risk (a policy shortcut)'),
  minCertifiedAccuracy: fraction.optional().describe("least certified accuracy at the audit's threat (a policy shortcut)"),
  confidence: z.number().gt(0).lt(1).optional().describe("gate on the exact interval's bounds at this level, e.g. 0.95 (a policy shortcut)"),
};

/** Whether any shortcut is set. */
export function hasShortcuts(s: PolicyShortcuts | undefined): s is PolicyShortcuts {
  return !!s && Object.values(s).some((v) => v !== undefined);
}

/**
 * A policy with shortcuts applied over `base` (a policy file's, else the built-in default's flags):
 * each shortcut replaces the field it names (minRobustAccuracy replaces the requirement at the
 * audit's threat and keeps those at other ε). The source names both and hashes the effective
 * policy's canonical JSON.
 */
export function applyShortcuts(base: { policy: Policy; source: PolicySource } | null, s: PolicyShortcuts, origin: string): { policy: Policy; source: PolicySource } {
  const p: Policy = structuredClone(base?.policy ?? { failOnFlags: [...DEFAULT_POLICY.failOnFlags as string[]] });
  if (s.minRobustAccuracy !== undefined) {
    p.minRobustAccuracy = [...(p.minRobustAccuracy ?? []).filter((r) => r.eps !== undefined), { min: s.minRobustAccuracy }];
  }
  if (s.minCleanAccuracy !== undefined) p.minCleanAccuracy = s.minCleanAccuracy;
  if (s.maxHypocriticalRisk !== undefined) p.maxHypocriticalRisk = s.maxHypocriticalRisk;
  if (s.minCertifiedAccuracy !== undefined) p.minCertifiedAccuracy = s.minCertifiedAccuracy;
  if (s.confidence !== undefined) p.confidence = s.confidence;
  const policy = policySchema.parse(p);
  const name = base ? `${base.source.name} + ${origin}` : origin;
  return { policy, source: { name, sha256: createHash('sha256').update(canonicalJson(policy)).digest('hex') } };
}


/**
 * The built-in policy when no --policy is given: no thresholds, but the flags meaning the
 * reported figure cannot be trusted (unreliable evaluation, suspicious data) fail the gate:
 * the checks marked `failsByDefault` in the registry (./checks), in their order.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  failOnFlags: Object.freeze([...DEFAULT_FAIL_ON_FLAGS]) as string[],
});

/** Where a gate's policy came from: a file name and the sha256 of its bytes, or 'default' and null. */
export interface PolicySource {
  name: string;
  sha256: string | null;
}

/** The source recorded for DEFAULT_POLICY. */
export const DEFAULT_POLICY_SOURCE: PolicySource = Object.freeze({ name: 'default', sha256: null });

/**
 * The substandard threshold the hypocritical-risk check uses: the policy's `substandardBelow`,
 * else its `minCleanAccuracy`, else DEFAULT_SUBSTANDARD_BELOW.
 */
export function substandardThreshold(policy: Policy): number {
  return policy.substandardBelow ?? policy.minCleanAccuracy ?? DEFAULT_SUBSTANDARD_BELOW;
}

/**
 * Reads and validates a policy file (.json, .yaml/.yml, otherwise the format is sniffed).
 * Every failure (missing file, syntax error with its line, schema issues) is a UsageError naming
 * the file. `name` is the file's base name; `sha256` hashes its bytes.
 */
export function loadPolicy(path: string): { policy: Policy; name: string; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const { code, reason } = describeReadFailure(e);
    throw new UsageError(`cannot read policy file '${path}': ${reason}`, { path, code });
  }
  if (bytes.length > MAX_POLICY_BYTES) {
    throw new UsageError(`policy file '${path}' is ${bytes.length} bytes; a policy is at most ${MAX_POLICY_BYTES} bytes`, { path });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`policy file '${path}' is not UTF-8 text`, { path });
  }
  const policy = parsePolicy(text, path);
  return { policy, name: basename(path), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Parses and validates policy text. `name` is used in error messages and picks the format by
 * its extension (.json → JSON, .yaml/.yml → YAML); otherwise text starting with '{' is JSON and
 * anything else YAML.
 */
export function parsePolicy(text: string, name: string): Policy {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = extname(name).toLowerCase();
  const json = ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && text.trimStart().startsWith('{'));
  const empty = () => new UsageError(`policy file '${name}' is empty; write a ${json ? 'JSON object' : 'YAML mapping'} of thresholds, e.g. minCleanAccuracy: 0.9`, { path: name });
  if (text.trim() === '') throw empty();
  const value = json ? parseJson(text, name) : parseYaml(text, name);
  if (!json && (value === null || value === undefined)) throw empty(); // only comments
  const r = policySchema.safeParse(value);
  if (r.success) return r.data;
  const issues = listIssues(r.error, '(policy)', 'brackets');
  throw new UsageError(`invalid policy file '${name}': ${joinIssues(issues)}`, { path: name, issues });
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = findJsonSyntaxError(text);
    if (!at) throw new UsageError(`policy file '${name}' is not valid JSON: ${(e as Error).message.split('\n')[0]}`, { path: name });
    const { line, col } = lineCol(text, at.pos);
    throw new UsageError(`policy file '${name}' is not valid JSON: line ${line}, column ${col}: ${at.reason}${near(text, line)}`, { path: name, line, column: col });
  }
}

function parseYaml(text: string, name: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lineCounter.linePos(e.pos[0]);
    throw new UsageError(`policy file '${name}' is not valid YAML: line ${line}, column ${col}: ${e.message}${near(text, line)}`, { path: name, line, column: col, code: e.code });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new UsageError(`policy file '${name}' is not valid YAML: ${(e as Error).message}`, { path: name });
  }
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  let line = 1, start = 0;
  for (let i = 0; i < Math.min(pos, text.length); i++) if (text.charCodeAt(i) === 10) { line++; start = i + 1; }
  return { line, col: pos - start + 1 };
}

function near(text: string, line: number): string {
  const src = text.split(/\r?\n/)[line - 1]?.trim();
  return src ? ` (near: ${src.length > 60 ? `${src.slice(0, 57)}...` : src})` : '';
}

function unknownKeys(accepted: string[]) {
  return (iss: { code?: string; keys?: string[] }) => iss.code === 'unrecognized_keys' && iss.keys
    ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}; accepted: ${accepted.join(', ')}`
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What UNGATED tells the user to do. */
export const UNGATED_NOTE = 'no requirement on a measured figure was stated, so nothing was certified; state one with --min-robust-accuracy X (or minRobustAccuracy in a policy file or the API config)';

/**
 * Evaluates a policy against a report. One rule per threshold given; for `failOnFlags`, one
 * failing rule `failOnFlags:<id>` per listed flag present in `report.flags`, plus a passing
 * summary rule `failOnFlags` naming the listed flags that were not raised (for 'any': present
 * only when no flag was raised). The verdict is FAIL iff any rule fails, else PASS when a
 * threshold on a figure was evaluated, else UNGATED. With `policy.confidence`, minima are compared
 * with the interval's lower bound and maxima with its upper bound at that level.
 */
export function evaluatePolicy(report: Report, policy: Policy, source: PolicySource): Gate {
  const rules: GateRule[] = [];
  const level = policy.confidence ?? report.intervals.level;
  const bounded = policy.confidence !== undefined;
  const noInterval = { interval: null, compared: null };

  /** A rule comparing a k-of-n figure with a minimum or a maximum. */
  const figureRule = (rule: string, what: string, where: string, estimate: number, of: Interval, threshold: number, kind: 'min' | 'max'): GateRule => {
    const { k, n } = of;
    const interval = clopperPearson(k, n, level);
    const compared = bounded ? (kind === 'min' ? 'lower' : 'upper') : 'estimate';
    const value = compared === 'lower' ? interval.lower : compared === 'upper' ? interval.upper : estimate;
    const passed = kind === 'min' ? atLeast(value, threshold) : atMost(value, threshold);
    const [v, t] = pcts(value, threshold);
    const verb = kind === 'min' ? (passed ? 'meets the required' : 'is below the required') : (passed ? 'is within the allowed' : 'exceeds the allowed');
    const message = compared === 'estimate'
      ? `${what} ${v}${where} ${verb} ${t} (${fmtLevel(level)} CI ${pct(interval.lower)}–${pct(interval.upper)}, ${k} of ${n} points)`
      : `${what} ${pct(estimate)}${where}: the ${compared} bound of its ${fmtLevel(level)} CI, ${v} (${k} of ${n} points), ${verb} ${t}`;
    return { rule, passed, measured: estimate, threshold, message, interval, compared };
  };

  if (policy.minCleanAccuracy !== undefined) {
    const c = report.cleanAccuracyInterval;
    rules.push(figureRule('minCleanAccuracy', 'clean accuracy', '', report.cleanAccuracy, c, policy.minCleanAccuracy, 'min'));
  }

  for (const req of policy.minRobustAccuracy ?? []) {
    const norm = req.norm ?? report.threat.norm, eps = req.eps ?? report.threat.eps;
    const rule = `minRobustAccuracy[${norm},${eps}]`;
    const where = `${norm} ε=${fmtEps(eps)}`;
    const found = robustAccuracyAt(report, norm, eps);
    if (!found) {
      rules.push({
        rule, passed: false, measured: null, threshold: req.min, ...noInterval,
        message: `robust accuracy at ${where} was not measured (required ${pct(req.min)}); the audit measured ${measuredThreats(report)}`,
      });
      continue;
    }
    const from = found.from === 'sweep' ? ' (sweep battery)' : '';
    rules.push(figureRule(rule, 'robust accuracy', ` at ${where}${from}`, found.value, found.interval, req.min, 'min'));
  }

  if (policy.maxHypocriticalRisk !== undefined) {
    const max = policy.maxHypocriticalRisk, h = report.hypocritical;
    if (!h) {
      rules.push({
        rule: 'maxHypocriticalRisk', passed: false, measured: null, threshold: max, ...noInterval,
        message: `hypocritical risk was not measured (allowed at most ${pct(max)})`,
      });
    } else {
      rules.push(figureRule('maxHypocriticalRisk', 'hypocritical risk', ` at ε=${fmtEps(h.eps)}`, h.risk, h.riskInterval, max, 'max'));
    }
  }

  if (policy.minCertifiedAccuracy !== undefined) {
    const min = policy.minCertifiedAccuracy, c = report.certification;
    if (!c || c.notCertifiable) {
      rules.push({
        rule: 'minCertifiedAccuracy', passed: false, measured: c ? 0 : null, threshold: min, ...noInterval,
        message: c ? `nothing could be certified (${c.notCertifiable}); required ${pct(min)} certified` : `certified accuracy was not measured (required ${pct(min)}; certification was off)`,
      });
    } else {
      rules.push(figureRule('minCertifiedAccuracy', 'certified accuracy', ` at ${report.threat.norm} ε=${fmtEps(report.threat.eps)} (${c.method})`, c.certifiedAccuracy, c.certifiedAccuracyInterval, min, 'min'));
    }
  }

  if (policy.maxPerClassRobustGap !== undefined) {
    const max = policy.maxPerClassRobustGap, gap = report.perClass.robustAccuracyGap;
    const passed = atMost(gap, max);
    const [m, t] = pcts(gap, max);
    const note = bounded ? ' (a difference of two per-class figures: compared as measured, without an interval)' : '';
    rules.push({
      rule: 'maxPerClassRobustGap', passed, measured: gap, threshold: max, interval: null, compared: 'estimate',
      message: passed ? `per-class robust accuracy gap ${m} is within the allowed ${t}${note}` : `per-class robust accuracy gap ${m} exceeds the allowed ${t}${note}`,
    });
  }

  const requirements = rules.length;
  if (policy.failOnFlags !== undefined) rules.push(...flagRules(report, policy.failOnFlags));

  const failed = rules.some((r) => !r.passed);
  const verdict = failed ? 'FAIL' : requirements > 0 ? 'PASS' : 'UNGATED';
  return {
    policy: { name: source.name, sha256: source.sha256 },
    verdict,
    confidence: policy.confidence ?? null,
    note: verdict === 'UNGATED' ? UNGATED_NOTE : null,
    rules,
  };
}

function flagRules(report: Report, failOn: 'any' | string[]): GateRule[] {
  const raised = new Set(report.flags);
  const listed = failOn === 'any' ? [...raised] : [...new Set(failOn)];
  const rules: GateRule[] = [];
  for (const id of listed) {
    if (!raised.has(id)) continue;
    const check = report.checks.find((c) => c.id === id);
    rules.push({
      rule: `failOnFlags:${id}`, passed: false, measured: 'raised', threshold: 'not raised', interval: null, compared: null,
      message: `flag '${id}' is raised${check ? `: ${check.title} — ${check.message}` : ''}`,
    });
  }
  if (failOn === 'any') {
    if (raised.size === 0) rules.push({ rule: 'failOnFlags', passed: true, measured: 'none raised', threshold: 'any', interval: null, compared: null, message: 'no flag is raised' });
  } else {
    const absent = listed.filter((id) => !raised.has(id));
    if (absent.length > 0) {
      rules.push({
        rule: 'failOnFlags', passed: true, measured: 'not raised', threshold: absent.join(', '), interval: null, compared: null,
        message: `not raised: ${absent.join(', ')}`,
      });
    }
  }
  return rules;
}

/** Robust accuracy at (norm, ε) as k of n: the audit threat's figure, else a sweep point's (same norm; the lowest), else null. */
function robustAccuracyAt(report: Report, norm: string, eps: number): { value: number; interval: Interval; from: 'audit' | 'sweep' } | null {
  if (report.threat.norm !== norm) return null;
  if (sameEps(report.threat.eps, eps)) return { value: report.robustAccuracy, interval: report.robustAccuracyInterval, from: 'audit' };
  const points = report.sweep.points.filter((p) => sameEps(p.eps, eps)).sort((a, b) => a.robustAccuracy - b.robustAccuracy);
  if (points.length === 0) return null;
  return { value: points[0].robustAccuracy, interval: points[0].robustAccuracyInterval, from: 'sweep' };
}

function fmtLevel(level: number): string {
  return `${Number((100 * level).toPrecision(4))}%`;
}

function measuredThreats(report: Report): string {
  const eps = [report.threat.eps, ...report.sweep.points.map((p) => p.eps)];
  const unique = eps.filter((e, i) => eps.findIndex((f) => sameEps(e, f)) === i).sort((a, b) => a - b);
  return `${report.threat.norm} at ε=${unique.map(fmtEps).join(', ')}`;
}

function sameEps(a: number, b: number): boolean {
  return Math.abs(a - b) <= EPS_REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

function atLeast(measured: number, min: number): boolean {
  return measured >= min - FRACTION_TOL;
}

function atMost(measured: number, max: number): boolean {
  return measured <= max + FRACTION_TOL;
}

function pct(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)}%`;
}

/** Measured and threshold as percentages, with enough decimals that unequal values do not print equal. */
function pcts(measured: number, threshold: number): [string, string] {
  let d = 1;
  while (d < 4 && Math.abs(measured - threshold) > FRACTION_TOL && pct(measured, d) === pct(threshold, d)) d++;
  return [pct(measured, d), pct(threshold, d)];
}

function fmtEps(eps: number): string {
  return String(Number(eps.toPrecision(4)));
}
