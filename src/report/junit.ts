/**
 * The audit as JUnit XML, for CI systems that show test results: one testsuite
 * "gauntlet-audit" with a testcase per policy-gate rule (classname "gauntlet.policy") and per
 * evaluation-reliability check (classname "gauntlet.checks"). A raised flag is a failure only
 * when the policy fails on it; otherwise it is reported in <system-out>. Rule messages carry the
 * figure's interval; the suite's properties carry the verdict and the clean and robust accuracy with
 * their interval bounds.
 *
 * Format: the de-facto JUnit/Ant schema (https://github.com/testmoapp/junitxml).
 */
import type { Check, Gate, GateRule, Interval, Report } from '../schema/report';

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
  skipped?: string;
  out?: string;
}

/** Renders the report's checks and a gate's rules as a JUnit XML document (UTF-8). */
export function gateToJUnit(report: Report, gate: Gate): string {
  const cases: Case[] = [
    ...gate.rules.map(ruleCase),
    ...report.checks.map((c) => checkCase(c, gate)),
  ];
  const tests = cases.length;
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const total = report.timings.total;
  const time: Record<string, string> = typeof total === 'number' && Number.isFinite(total) ? { time: total.toFixed(3) } : {};
  const counts = { tests: String(tests), failures: String(failures), errors: '0', skipped: String(skipped) };

  const properties: [string, string | number][] = [
    ['model.name', report.model.name],
    ['model.sha256', report.model.sha256],
    ['data.name', report.data.name],
    ['data.sha256', report.data.sha256],
    ['battery.id', report.battery.id],
    ['battery.preset', report.battery.preset],
    ['threat.norm', report.threat.norm],
    ['threat.eps', report.threat.eps],
    ['seed', report.seed],
    ['policy.name', gate.policy.name],
    ...(gate.policy.sha256 ? [['policy.sha256', gate.policy.sha256] as [string, string]] : []),
    ['verdict', gate.verdict],
    ...(gate.confidence !== null ? [['policy.confidence', gate.confidence] as [string, number]] : []),
    ...figure('cleanAccuracy', report.cleanAccuracy, report.cleanAccuracyInterval, report.intervals.level),
    ...figure('robustAccuracy', report.robustAccuracy, report.robustAccuracyInterval, report.intervals.level),
  ];

  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites${attrs({ name: 'gauntlet', ...counts, ...time })}>`);
  out.push(`  <testsuite${attrs({ name: 'gauntlet-audit', ...counts, timestamp: report.createdAt, ...time })}>`);
  out.push('    <properties>');
  for (const [name, value] of properties) out.push(`      <property${attrs({ name, value: String(value) })}/>`);
  out.push('    </properties>');
  for (const c of cases) out.push(...renderCase(c));
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** What an audit that errored was about, for its JUnit document. */
export interface ErroredAudit {
  /** One-line reason (the error message the command prints). */
  message: string;
  /** The error's stable code (e.g. invalid_model), or 'error'. */
  code: string;
  model: string;
  data: string;
  /** Seconds until the error, when known. */
  seconds?: number;
}

/**
 * The JUnit document of an audit that did not complete: one testcase "gauntlet.audit / audit"
 * with an <error>, so a CI shows red instead of reading a junit.xml without failures as green
 * (no gate rule ran, so none can pass).
 */
export function errorToJUnit(a: ErroredAudit, createdAt = new Date().toISOString()): string {
  const time: Record<string, string> = typeof a.seconds === 'number' && Number.isFinite(a.seconds) ? { time: a.seconds.toFixed(3) } : {};
  const counts = { tests: '1', failures: '0', errors: '1', skipped: '0' };
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites${attrs({ name: 'gauntlet', ...counts, ...time })}>`);
  out.push(`  <testsuite${attrs({ name: 'gauntlet-audit', ...counts, timestamp: createdAt, ...time })}>`);
  out.push('    <properties>');
  for (const [name, value] of [['model.name', a.model], ['data.name', a.data], ['verdict', 'ERROR']]) out.push(`      <property${attrs({ name, value })}/>`);
  out.push('    </properties>');
  out.push(...renderCase({
    classname: 'gauntlet.audit', name: 'audit',
    error: { message: a.message, type: a.code, text: `the audit did not complete, so no figure was measured and no policy rule was evaluated\n${a.message}` },
  }));
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** A figure and its interval as properties: name, name.lower, name.upper, name.level. */
function figure(name: string, value: number, i: Interval, level: number): [string, number][] {
  return [[name, value], [`${name}.lower`, i.lower], [`${name}.upper`, i.upper], [`${name}.level`, level]];
}

function ruleCase(r: GateRule): Case {
  const c: Case = { classname: 'gauntlet.policy', name: r.rule };
  if (r.passed) c.out = r.message;
  else {
    const interval = r.interval ? `\ninterval: ${r.interval.lower} – ${r.interval.upper} (${r.interval.k} of ${r.interval.n} points)` : '';
    const compared = r.compared && r.compared !== 'estimate' ? `\ncompared: the interval's ${r.compared} bound` : '';
    c.failure = { message: r.message, type: 'policy', text: `${r.message}\nmeasured: ${String(r.measured)}\nthreshold: ${String(r.threshold)}${interval}${compared}` };
  }
  return c;
}

function checkCase(check: Check, gate: Gate): Case {
  const c: Case = { classname: 'gauntlet.checks', name: check.id };
  const summary = `${check.title}: ${check.message}`;
  const evidence = Object.entries(check.evidence).map(([k, v]) => `${k}: ${String(v)}`).join('\n');
  if (check.status === 'skipped') c.skipped = summary;
  else if (check.status === 'pass') c.out = summary;
  else if (gate.rules.some((r) => r.rule === `failOnFlags:${check.id}` && !r.passed)) {
    c.failure = { message: `flag '${check.id}' raised: ${summary}`, type: 'flag', text: [summary, evidence].filter(Boolean).join('\n') };
  } else {
    c.out = [`flag '${check.id}' raised (the policy does not fail on it): ${summary}`, evidence].filter(Boolean).join('\n');
  }
  return c;
}

function renderCase(c: Case): string[] {
  const open = `    <testcase${attrs({ classname: c.classname, name: c.name })}`;
  const body: string[] = [];
  if (c.failure) body.push(`      <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${xmlText(c.failure.text)}</failure>`);
  if (c.error) body.push(`      <error${attrs({ message: c.error.message, type: c.error.type })}>${xmlText(c.error.text)}</error>`);
  if (c.skipped !== undefined) body.push(`      <skipped${attrs({ message: c.skipped })}/>`);
  if (c.out) body.push(`      <system-out>${xmlText(c.out)}</system-out>`);
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
}

function attrs(a: Record<string, string>): string {
  return Object.entries(a).map(([k, v]) => ` ${k}="${xmlAttr(v)}"`).join('');
}

// Characters XML 1.0 cannot carry at all, even escaped: C0 controls except tab/LF/CR, lone
// surrogates, U+FFFE/U+FFFF. They are replaced by U+FFFD.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text content: &, <, > (so "]]>" cannot occur), characters invalid in XML replaced. */
export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes a double-quoted attribute value: as text, plus quotes and tab/LF/CR as character references (kept through attribute normalisation). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
