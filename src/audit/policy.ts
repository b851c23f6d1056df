/**
 * The policy gate: thresholds an audit report must meet, read from a JSON or YAML file, and
 * their evaluation into the report's `gate` (one rule per threshold, verdict FAIL iff a rule
 * fails). A requirement the audit did not measure fails: an unmeasured figure never passes
 * silently.
 *
 * Example (YAML):
 *   minCleanAccuracy: 0.95
 *   minRobustAccuracy: [{ norm: linf, eps: 0.1, min: 0.5 }]
 *   maxHypocriticalRisk: 0.02      # Tao et al. 2022, https://arxiv.org/abs/2107.07759
 *   failOnFlags: any
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors';
import type { Gate, GateRule, Report } from '../report/schema';
import { CHECK_IDS } from './checks';

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
  norm: z.enum(['linf', 'l2']).describe('threat norm'),
  eps: z.number().gt(0, 'must be > 0').finite().describe('perturbation budget in input units of the norm'),
  min: fraction.describe('least robust accuracy allowed at this (norm, ε)'),
};

const policyShape = {
  minCleanAccuracy: fraction.optional().describe('least clean accuracy allowed'),
  minRobustAccuracy: z.array(z.strictObject(robustRequirementShape, { error: unknownKeys(Object.keys(robustRequirementShape)) }))
    .optional()
    .describe('least robust accuracy per (norm, ε); each must have been measured (the audit threat or a sweep point)'),
  maxHypocriticalRisk: fraction.optional()
    .describe('largest hypocritical risk allowed (Tao et al. 2022, arXiv:2107.07759); fails when it was not measured'),
  maxPerClassRobustGap: fraction.optional()
    .describe('largest difference between the best and worst per-class robust accuracy'),
  failOnFlags: z.union([z.literal('any'), z.array(z.string().min(1))], { error: "must be 'any' or a list of flag ids" })
    .optional()
    .describe("flag ids that fail the gate when the report raises them, or 'any'"),
  substandardBelow: fraction.optional()
    .describe(`clean accuracy under which the model is "substandard" for the hypocritical-risk check (default ${DEFAULT_SUBSTANDARD_BELOW})`),
};

/** A policy file's content: every field optional; unknown keys are rejected. */
export const policySchema = z.strictObject(policyShape, { error: unknownKeys(Object.keys(policyShape)) })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    (p.minRobustAccuracy ?? []).forEach((r, i) => {
      const key = `${r.norm} ${r.eps}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['minRobustAccuracy', i], message: `duplicate requirement for ${r.norm} ε=${r.eps} (also entry ${first})` });
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

/**
 * The built-in policy when no --policy is given: no thresholds, but the flags meaning the
 * reported figure cannot be trusted (unreliable evaluation, suspicious data) fail the gate.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  failOnFlags: Object.freeze([
    'full-box-not-zero',
    'not-converged',
    'black-box-beats-white-box',
    'non-monotone-eps',
    'data-too-easy',
    'hypocritical-fakeable',
  ]) as string[],
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
    const code = (e as NodeJS.ErrnoException)?.code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error)?.message ?? String(e);
    throw new UsageError(`cannot read policy file '${path}': ${why}`, { path, code });
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
  const issues = r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  throw new UsageError(
    `invalid policy file '${name}': ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { path: name, issues },
  );
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = jsonSyntaxError(text);
    if (!at) throw new UsageError(`policy file '${name}' is not valid JSON: ${(e as Error).message.split('\n')[0]}`, { path: name });
    const { line, col } = lineCol(text, at.pos);
    throw new UsageError(`policy file '${name}' is not valid JSON: line ${line}, column ${col}: ${at.reason}${near(text, line)}`, { path: name, line, column: col });
  }
}

/**
 * Offset and reason of the first JSON syntax error, or null. JSON.parse's messages carry no
 * position on some Node versions ("Unexpected token ']', ... is not valid JSON"), so the
 * location comes from this small scanner of the JSON grammar (RFC 8259).
 */
function jsonSyntaxError(t: string): { pos: number; reason: string } | null {
  let i = 0;
  class Stop { constructor(readonly pos: number, readonly reason: string) {} }
  const stop = (expected: string): never => {
    const found = i >= t.length ? 'end of input' : JSON.stringify(t[i]);
    throw new Stop(i, `unexpected ${found}, expected ${expected}`);
  };
  const ws = () => { while (i < t.length && ' \t\n\r'.includes(t[i])) i++; };
  const digits = () => { const s = i; while (t[i] >= '0' && t[i] <= '9') i++; if (i === s) stop('a digit'); };
  const number = () => {
    if (t[i] === '-') i++;
    if (t[i] === '0') i++; else digits();
    if (t[i] === '.') { i++; digits(); }
    if (t[i] === 'e' || t[i] === 'E') { i++; if (t[i] === '+' || t[i] === '-') i++; digits(); }
  };
  const string = () => {
    i++;
    while (i < t.length && t[i] !== '"') {
      if (t[i] === '\\') {
        i++;
        if (t[i] === 'u') { for (let k = 1; k <= 4; k++) if (!'0123456789abcdefABCDEF'.includes(t[i + k] ?? '_')) { i += k; stop('a hex digit'); } i += 4; }
        else if (i >= t.length || !'"\\/bfnrt'.includes(t[i])) stop('an escape character');
      } else if (t.charCodeAt(i) < 0x20) stop('a string character (escape control characters)');
      i++;
    }
    if (i >= t.length) stop("'\"'");
    i++;
  };
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{') {
      i++; ws();
      if (t[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (t[i] !== '"') stop('a double-quoted property name');
        string(); ws();
        if (t[i] !== ':') stop("':'");
        i++; value(); ws();
        if (t[i] === ',') { i++; continue; }
        if (t[i] === '}') { i++; return; }
        stop("',' or '}'");
      }
    }
    if (c === '[') {
      i++; ws();
      if (t[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (t[i] === ',') { i++; continue; }
        if (t[i] === ']') { i++; return; }
        stop("',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const lit of ['true', 'false', 'null']) if (t.startsWith(lit, i)) { i += lit.length; return; }
    stop('a value');
  };
  try {
    value(); ws();
    if (i < t.length) stop('end of input');
    return null;
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, reason: e.reason };
    return null; // RangeError on absurd nesting: no position
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

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(policy)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

function unknownKeys(accepted: string[]) {
  return (iss: { code?: string; keys?: string[] }) => iss.code === 'unrecognized_keys' && iss.keys
    ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}; accepted: ${accepted.join(', ')}`
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * Evaluates a policy against a report. One rule per threshold given; for `failOnFlags`, one
 * failing rule `failOnFlags:<id>` per listed flag present in `report.flags`, plus a passing
 * summary rule `failOnFlags` naming the listed flags that were not raised (for 'any': present
 * only when no flag was raised). The verdict is FAIL iff any rule fails.
 */
export function evaluatePolicy(report: Report, policy: Policy, source: PolicySource): Gate {
  const rules: GateRule[] = [];

  if (policy.minCleanAccuracy !== undefined) {
    const min = policy.minCleanAccuracy, measured = report.cleanAccuracy;
    const passed = atLeast(measured, min);
    const [m, t] = pcts(measured, min);
    rules.push({
      rule: 'minCleanAccuracy', passed, measured, threshold: min,
      message: passed ? `clean accuracy ${m} meets the required ${t}` : `clean accuracy ${m} is below the required ${t}`,
    });
  }

  for (const req of policy.minRobustAccuracy ?? []) {
    const rule = `minRobustAccuracy[${req.norm},${req.eps}]`;
    const where = `${req.norm} ε=${fmtEps(req.eps)}`;
    const found = robustAccuracyAt(report, req.norm, req.eps);
    if (!found) {
      rules.push({
        rule, passed: false, measured: null, threshold: req.min,
        message: `robust accuracy at ${where} was not measured (required ${pct(req.min)}); the audit measured ${measuredThreats(report)}`,
      });
      continue;
    }
    const passed = atLeast(found.value, req.min);
    const [m, t] = pcts(found.value, req.min);
    const from = found.from === 'sweep' ? ' (sweep battery)' : '';
    rules.push({
      rule, passed, measured: found.value, threshold: req.min,
      message: passed ? `robust accuracy ${m} at ${where}${from} meets the required ${t}` : `robust accuracy ${m} at ${where}${from} is below the required ${t}`,
    });
  }

  if (policy.maxHypocriticalRisk !== undefined) {
    const max = policy.maxHypocriticalRisk, h = report.hypocritical;
    if (!h) {
      rules.push({
        rule: 'maxHypocriticalRisk', passed: false, measured: null, threshold: max,
        message: `hypocritical risk was not measured (allowed at most ${pct(max)})`,
      });
    } else {
      const passed = atMost(h.risk, max);
      const [m, t] = pcts(h.risk, max);
      rules.push({
        rule: 'maxHypocriticalRisk', passed, measured: h.risk, threshold: max,
        message: passed ? `hypocritical risk ${m} at ε=${fmtEps(h.eps)} is within the allowed ${t}` : `hypocritical risk ${m} at ε=${fmtEps(h.eps)} exceeds the allowed ${t}`,
      });
    }
  }

  if (policy.maxPerClassRobustGap !== undefined) {
    const max = policy.maxPerClassRobustGap, gap = report.perClass.robustAccuracyGap;
    const passed = atMost(gap, max);
    const [m, t] = pcts(gap, max);
    rules.push({
      rule: 'maxPerClassRobustGap', passed, measured: gap, threshold: max,
      message: passed ? `per-class robust accuracy gap ${m} is within the allowed ${t}` : `per-class robust accuracy gap ${m} exceeds the allowed ${t}`,
    });
  }

  if (policy.failOnFlags !== undefined) rules.push(...flagRules(report, policy.failOnFlags));

  return {
    policy: { name: source.name, sha256: source.sha256 },
    verdict: rules.some((r) => !r.passed) ? 'FAIL' : 'PASS',
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
      rule: `failOnFlags:${id}`, passed: false, measured: 'raised', threshold: 'not raised',
      message: `flag '${id}' is raised${check ? `: ${check.title} — ${check.message}` : ''}`,
    });
  }
  if (failOn === 'any') {
    if (raised.size === 0) rules.push({ rule: 'failOnFlags', passed: true, measured: 'none raised', threshold: 'any', message: 'no flag is raised' });
  } else {
    const absent = listed.filter((id) => !raised.has(id));
    if (absent.length > 0) {
      rules.push({
        rule: 'failOnFlags', passed: true, measured: 'not raised', threshold: absent.join(', '),
        message: `not raised: ${absent.join(', ')}`,
      });
    }
  }
  return rules;
}

/** Robust accuracy at (norm, ε): the audit threat's figure, else a sweep point's (same norm), else null. */
function robustAccuracyAt(report: Report, norm: string, eps: number): { value: number; from: 'audit' | 'sweep' } | null {
  if (report.threat.norm !== norm) return null;
  if (sameEps(report.threat.eps, eps)) return { value: report.robustAccuracy, from: 'audit' };
  const points = report.sweep.points.filter((p) => sameEps(p.eps, eps));
  if (points.length === 0) return null;
  return { value: Math.min(...points.map((p) => p.robustAccuracy)), from: 'sweep' };
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
