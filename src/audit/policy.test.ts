import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors';
import { Report, validateReport } from '../schema/report';
import {
  DEFAULT_POLICY, DEFAULT_POLICY_SOURCE, DEFAULT_SUBSTANDARD_BELOW, Policy, UNGATED_NOTE, applyShortcuts, evaluatePolicy, loadPolicy, parsePolicy,
  policySchema, substandardThreshold,
} from './policy';
import { clopperPearson } from '../util/clopper-pearson';
import { sampleReport, sweepPoint, withHypocritical } from './testing/sample-report';

const POLICIES = join(__dirname, '..', '..', 'fixtures', 'policies');
const SRC = { name: 'test', sha256: null };
const gate = (report: Report, policy: Policy) => evaluatePolicy(report, policy, SRC);
const policy = (p: unknown): Policy => policySchema.parse(p);

/** The UsageError a call throws (fails the test when it throws nothing or something else). */
function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('sampleReport', () => {
  it('is a valid report, and the gate it carries after evaluation is valid too', () => {
    const r = sampleReport();
    expect(validateReport(r)).toEqual(r);
    const g = evaluatePolicy(r, policy({ minCleanAccuracy: 0.5, failOnFlags: 'any' }), { name: 'p.yaml', sha256: 'c'.repeat(64) });
    expect(validateReport({ ...r, gate: g }).gate).toEqual(g);
  });
});

describe('evaluatePolicy: each threshold on its own', () => {
  // [what, policy that fails on the sample report, policy that passes, rule name, measured]
  const cases: [string, unknown, unknown, string, number | null][] = [
    ['minCleanAccuracy', { minCleanAccuracy: 0.91 }, { minCleanAccuracy: 0.9 }, 'minCleanAccuracy', 0.9],
    ['minRobustAccuracy at the audit ε', { minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.51 }] }, { minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.5 }] }, 'minRobustAccuracy[linf,0.1]', 0.5],
    ['minRobustAccuracy at a sweep ε', { minRobustAccuracy: [{ norm: 'linf', eps: 0.2, min: 0.25 }] }, { minRobustAccuracy: [{ norm: 'linf', eps: 0.2, min: 0.2 }] }, 'minRobustAccuracy[linf,0.2]', 0.2],
    ['maxHypocriticalRisk', { maxHypocriticalRisk: 0.05 }, { maxHypocriticalRisk: 0.1 }, 'maxHypocriticalRisk', 0.1],
    ['maxPerClassRobustGap', { maxPerClassRobustGap: 0.3 }, { maxPerClassRobustGap: 0.34 }, 'maxPerClassRobustGap', 1 / 3],
    ['failOnFlags (list)', { failOnFlags: ['zero-gradients'] }, { failOnFlags: ['not-converged'] }, 'failOnFlags:zero-gradients', null],
  ];

  it.each(cases)('when %s is not met, then the gate fails on that rule alone; when met, it passes', (_what, failing, passing, rule, measured) => {
    const r = sampleReport();
    const bad = gate(r, policy(failing));
    expect(bad.verdict).toBe('FAIL');
    expect(bad.rules.filter((x) => !x.passed).map((x) => x.rule)).toEqual([rule]);
    if (measured !== null) expect(bad.rules[0].measured).toBeCloseTo(measured, 12);

    const good = gate(r, policy(passing));
    expect(good.verdict).toBe(rule.startsWith('failOnFlags') ? 'UNGATED' : 'PASS'); // flags alone state no requirement on a figure
    expect(good.rules.length).toBeGreaterThan(0);
    expect(good.rules.every((x) => x.passed)).toBe(true);
  });

  it('when no threshold is given, then there are no rules and the verdict is UNGATED, with how to state one', () => {
    expect(gate(sampleReport(), policy({}))).toEqual({ policy: SRC, verdict: 'UNGATED', confidence: null, note: UNGATED_NOTE, rules: [] });
    expect(UNGATED_NOTE).toMatch(/--min-robust-accuracy/);
  });

  it('when one of several thresholds fails, then the verdict is FAIL and the others still pass', () => {
    const g = gate(sampleReport(), policy({ minCleanAccuracy: 0.8, maxPerClassRobustGap: 0.1, maxHypocriticalRisk: 0.2 }));
    expect(g.verdict).toBe('FAIL');
    expect(g.rules.map((x) => [x.rule, x.passed])).toEqual([
      ['minCleanAccuracy', true], ['maxHypocriticalRisk', true], ['maxPerClassRobustGap', false],
    ]);
  });

  it('messages say measured vs threshold in one readable line', () => {
    const r = sampleReport({ robustAccuracy: 0.412 });
    const [rule] = gate(r, policy({ minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.5 }] })).rules;
    expect(rule).toEqual({
      rule: 'minRobustAccuracy[linf,0.1]', passed: false, measured: 0.412, threshold: 0.5,
      message: 'robust accuracy 41.2% at linf ε=0.1 is below the required 50.0% (95% CI 12.2%–73.8%, 4 of 10 points)',
      interval: clopperPearson(4, 10), compared: 'estimate',
    });
    const [clean] = gate(r, policy({ minCleanAccuracy: 0.95 })).rules;
    expect(clean.message).toBe('clean accuracy 90.0% is below the required 95.0% (95% CI 55.5%–99.7%, 9 of 10 points)');
    const [sweep] = gate(r, policy({ minRobustAccuracy: [{ norm: 'linf', eps: 0.05, min: 0.75 }] })).rules;
    expect(sweep.message).toBe('robust accuracy 70.0% at linf ε=0.05 (sweep battery) is below the required 75.0% (95% CI 34.8%–93.3%, 7 of 10 points)');
    const [h] = gate(r, policy({ maxHypocriticalRisk: 0.02 })).rules;
    expect(h.message).toBe('hypocritical risk 10.0% at ε=0.1 exceeds the allowed 2.0% (95% CI 0.3%–44.5%, 1 of 10 points)');
    for (const x of [rule, clean, sweep, h]) expect(x.message).not.toContain('\n');
  });

  it('when measured and threshold differ by less than 0.05%, then the message shows enough decimals to tell them apart', () => {
    const [rule] = gate(sampleReport({ cleanAccuracy: 0.8996 }), policy({ minCleanAccuracy: 0.9 })).rules;
    expect(rule.passed).toBe(false);
    expect(rule.message).toMatch(/^clean accuracy 89.96% is below the required 90.00% \(95% CI/);
  });

  it('when the measured figure equals the threshold up to rounding (7/10 vs 0.7), then the rule passes', () => {
    const r = sampleReport({ cleanAccuracy: 7 / 10, robustAccuracy: 0.1 * 7 });
    const g = gate(r, policy({ minCleanAccuracy: 0.7, minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.7000000000000001 }] }));
    expect(g.rules.map((x) => x.passed)).toEqual([true, true]);
  });
});

describe('evaluatePolicy: robust accuracy lookup', () => {
  it('when ε matches the audit ε within 1e-9 relative, then the audit figure is used; a larger difference is unmeasured', () => {
    const r = sampleReport();
    const near = gate(r, policy({ minRobustAccuracy: [{ norm: 'linf', eps: 0.1 * (1 + 1e-12), min: 0.5 }] }));
    expect(near.rules[0]).toMatchObject({ passed: true, measured: 0.5 });
    const off = gate(r, policy({ minRobustAccuracy: [{ norm: 'linf', eps: 0.1 * (1 + 1e-6), min: 0.5 }] }));
    expect(off.rules[0]).toMatchObject({ passed: false, measured: null });
  });

  it('when the sweep holds the required ε, then its figure is used, and the audit figure wins at the audit ε', () => {
    const r = sampleReport({
      robustAccuracy: 0.45,
      sweep: { ...sampleReport().sweep, points: [sweepPoint(0.1, 0.6), sweepPoint(0.3, 0.15)] },
    });
    const g = gate(r, policy({ minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.5 }, { norm: 'linf', eps: 0.3, min: 0.1 }] }));
    expect(g.rules.map((x) => [x.rule, x.measured, x.passed])).toEqual([
      ['minRobustAccuracy[linf,0.1]', 0.45, false],
      ['minRobustAccuracy[linf,0.3]', 0.15, true],
    ]);
  });

  it.each([
    ['an ε not in the audit nor the sweep', { norm: 'linf', eps: 0.3, min: 0 }],
    ['another norm, even at the audit ε', { norm: 'l2', eps: 0.1, min: 0 }],
  ])('when the requirement is at %s, then it fails as not measured (even with min 0) and says what was measured', (_what, req) => {
    const g = gate(sampleReport(), policy({ minRobustAccuracy: [req] }));
    expect(g.verdict).toBe('FAIL');
    expect(g.rules[0]).toMatchObject({ passed: false, measured: null, threshold: 0 });
    expect(g.rules[0].message).toBe(`robust accuracy at ${(req as { norm: string }).norm} ε=${(req as { eps: number }).eps} was not measured (required 0.0%); the audit measured linf at ε=0.05, 0.1, 0.2`);
  });

  it('when the hypocritical risk was not measured, then maxHypocriticalRisk fails as not measured', () => {
    const g = gate(sampleReport({ hypocritical: null }), policy({ maxHypocriticalRisk: 1 }));
    expect(g.verdict).toBe('FAIL');
    expect(g.rules[0]).toMatchObject({ rule: 'maxHypocriticalRisk', passed: false, measured: null, threshold: 1 });
    expect(g.rules[0].message).toMatch(/not measured/);
  });

  it('reads the risk from report.hypocritical', () => {
    const r = withHypocritical(sampleReport(), { risk: 0.3, fixable: 3, misclassified: 3 });
    expect(gate(r, policy({ maxHypocriticalRisk: 0.25 })).rules[0]).toMatchObject({ passed: false, measured: 0.3 });
  });
});

describe('evaluatePolicy: failOnFlags', () => {
  const flagged = (flags: string[]) => sampleReport({ flags });

  it("when failOnFlags is 'any' and flags are raised, then one failing rule per raised flag, with the check's message", () => {
    const g = gate(flagged(['zero-gradients', 'data-too-easy']), policy({ failOnFlags: 'any' }));
    expect(g.verdict).toBe('FAIL');
    expect(g.rules.map((x) => [x.rule, x.passed])).toEqual([['failOnFlags:zero-gradients', false], ['failOnFlags:data-too-easy', false]]);
    expect(g.rules[0].message).toBe("flag 'zero-gradients' is raised: Zero gradients — 2 of 9 points have an all-zero input gradient");
    expect(g.rules[1].message).toBe("flag 'data-too-easy' is raised");
  });

  it("when failOnFlags is 'any' and no flag is raised, then a single passing summary rule", () => {
    const g = gate(flagged([]), policy({ failOnFlags: 'any' }));
    expect(g).toMatchObject({ verdict: 'UNGATED', rules: [{ rule: 'failOnFlags', passed: true }] });
  });

  it('when a list is given, then raised listed flags fail, unlisted raised flags do not, and absent ones are summarised', () => {
    const g = gate(flagged(['zero-gradients', 'probability-outputs']), policy({ failOnFlags: ['not-converged', 'zero-gradients', 'data-too-easy'] }));
    expect(g.verdict).toBe('FAIL');
    expect(g.rules.map((x) => [x.rule, x.passed])).toEqual([['failOnFlags:zero-gradients', false], ['failOnFlags', true]]);
    expect(g.rules[1].message).toBe('not raised: not-converged, data-too-easy');
  });

  it('when every listed flag is raised, then there is no summary rule; an empty list adds no rule', () => {
    expect(gate(flagged(['zero-gradients']), policy({ failOnFlags: ['zero-gradients'] })).rules.map((x) => x.rule)).toEqual(['failOnFlags:zero-gradients']);
    expect(gate(flagged(['zero-gradients']), policy({ failOnFlags: [] }))).toMatchObject({ verdict: 'UNGATED', rules: [] });
  });
});

describe('DEFAULT_POLICY', () => {
  it('has no thresholds and fails on exactly the flags that make the figure untrustworthy', () => {
    expect(DEFAULT_POLICY).toEqual({
      failOnFlags: ['full-box-not-zero', 'not-converged', 'black-box-beats-white-box', 'non-monotone-eps', 'data-too-easy', 'hypocritical-fakeable'],
    });
    expect(policySchema.parse(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY_SOURCE).toEqual({ name: 'default', sha256: null });
  });

  it('is UNGATED (never PASS) on a report whose only flag is not in its list, and fails each listed flag', () => {
    const ok = evaluatePolicy(sampleReport(), DEFAULT_POLICY, DEFAULT_POLICY_SOURCE);
    expect(ok.verdict).toBe('UNGATED');
    expect(ok.policy).toEqual({ name: 'default', sha256: null });
    for (const flag of DEFAULT_POLICY.failOnFlags as string[]) {
      const g = evaluatePolicy(sampleReport({ flags: ['zero-gradients', flag] }), DEFAULT_POLICY, DEFAULT_POLICY_SOURCE);
      expect(g.verdict).toBe('FAIL');
      expect(g.rules.filter((x) => !x.passed).map((x) => x.rule)).toEqual([`failOnFlags:${flag}`]);
    }
  });

  it('matches fixtures/policies/default.json', () => {
    expect(loadPolicy(join(POLICIES, 'default.json')).policy).toEqual(DEFAULT_POLICY);
  });

  it('substandard threshold: substandardBelow, else minCleanAccuracy, else 0.9', () => {
    expect(DEFAULT_SUBSTANDARD_BELOW).toBe(0.9);
    expect(substandardThreshold(DEFAULT_POLICY)).toBe(0.9);
    expect(substandardThreshold(policy({ minCleanAccuracy: 0.97 }))).toBe(0.97);
    expect(substandardThreshold(policy({ minCleanAccuracy: 0.97, substandardBelow: 0.8 }))).toBe(0.8);
  });
});

describe('parsePolicy / loadPolicy: malformed policies', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'gauntlet-policy-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

  /** Every user-facing error: a UsageError naming the file, one line, no stack frames in the message. */
  function expectClear(e: UsageError, name: string) {
    expect(e.message).toContain(`'${name}'`);
    expect(e.message).not.toMatch(/\n|\bat .*\.[jt]s:\d+/);
  }

  it('when the YAML syntax is bad, then the error names the file and the line', () => {
    const p = file('bad.yaml', 'minCleanAccuracy: 0.9\nfailOnFlags: any\n  maxPerClassRobustGap: 0.1\n');
    const e = usageError(() => loadPolicy(p));
    expectClear(e, p);
    expect(e.message).toMatch(/is not valid YAML: line 2, column \d+: /);
    expect(e.details).toMatchObject({ line: 2 });
  });

  it('when a YAML key is repeated, then it is a syntax error at the second one (no silent override)', () => {
    const e = usageError(() => parsePolicy('minCleanAccuracy: 0.9\nminCleanAccuracy: 0.1\n', 'dup.yaml'));
    expect(e.message).toMatch(/'dup\.yaml' is not valid YAML: line 2, column 1: Map keys must be unique/);
  });

  it.each([
    ['a trailing comma', '{\n  "minCleanAccuracy": 0.9,\n  "failOnFlags": ["a",]\n}\n', 3, 23, 'unexpected "]", expected a value'],
    ['a missing colon', '{\n  "minCleanAccuracy" 0.9\n}', 2, 22, 'unexpected "0", expected \':\''],
    ['an unterminated object', '{\n  "minCleanAccuracy": 0.9\n', 3, 1, "unexpected end of input, expected ',' or '}'"],
    ['single quotes', "{'minCleanAccuracy': 0.9}", 1, 2, 'unexpected "\'", expected a double-quoted property name'],
  ])('when the JSON has %s, then the error names the file, line and column', (_what, text, line, col, reason) => {
    const p = file('bad.json', text);
    const e = usageError(() => loadPolicy(p));
    expectClear(e, p);
    expect(e.message).toContain(`is not valid JSON: line ${line}, column ${col}: ${reason}`);
    expect(e.details).toMatchObject({ line, column: col });
  });

  it('when a key is unknown, then the error names it and lists the accepted keys (top level and nested)', () => {
    const e = usageError(() => parsePolicy('minCleanAcc: 0.9\nminRobustAccuracy: [{norm: linf, eps: 0.1, min: 0.5, epsilon: 2}]\n', 'p.yaml'));
    expectClear(e, 'p.yaml');
    expect(e.message).toContain("(policy): unknown key 'minCleanAcc'; accepted: minCleanAccuracy, minRobustAccuracy,");
    expect(e.message).toContain("minRobustAccuracy[0]: unknown key 'epsilon'; accepted: norm, eps, min");
  });

  it.each([
    ['a wrong type (min: "high")', '{"minRobustAccuracy": [{"norm": "linf", "eps": 0.1, "min": "high"}]}', 'minRobustAccuracy[0].min: Invalid input: expected number, received string'],
    ['eps = 0', '{"minRobustAccuracy": [{"norm": "linf", "eps": 0, "min": 0.5}]}', 'minRobustAccuracy[0].eps: must be > 0'],
    ['eps < 0', '{"minRobustAccuracy": [{"norm": "linf", "eps": -0.1, "min": 0.5}]}', 'minRobustAccuracy[0].eps: must be > 0'],
    ['a fraction > 1', '{"minCleanAccuracy": 90}', 'minCleanAccuracy: must be a fraction in [0, 1] (write 0.5 for 50%)'],
    ['a negative fraction', '{"maxPerClassRobustGap": -0.1}', 'maxPerClassRobustGap: must be a fraction in [0, 1]'],
    ['an unknown norm', '{"minRobustAccuracy": [{"norm": "l1", "eps": 1, "min": 0.5}]}', 'minRobustAccuracy[0].norm: '],
    ['failOnFlags neither list nor any', '{"failOnFlags": "all"}', "failOnFlags: must be 'any' or a list of flag ids"],
    ['a duplicate (norm, ε)', '{"minRobustAccuracy": [{"norm": "linf", "eps": 0.1, "min": 0.5}, {"norm": "linf", "eps": 0.1, "min": 0.2}]}', 'minRobustAccuracy[1]: duplicate requirement for linf ε=0.1 (also entry 0)'],
    ['a list at the top level', '[1, 2]', '(policy): Invalid input: expected object, received array'],
  ])('when the policy has %s, then a UsageError names the path and the problem', (_what, text, expected) => {
    const e = usageError(() => parsePolicy(text, 'p.json'));
    expectClear(e, 'p.json');
    expect(e.message).toContain(`invalid policy file 'p.json': `);
    expect(e.message).toContain(expected);
  });

  it('when there are several issues, then every one is listed with its path', () => {
    const e = usageError(() => parsePolicy('minCleanAccuracy: 2\nminRobustAccuracy:\n  - {norm: linf, eps: -1, min: high}\nfailOnFlags: 3\n', 'many.yaml'));
    const issues = (e.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(issues.sort()).toEqual(['failOnFlags', 'minCleanAccuracy', 'minRobustAccuracy[0].eps', 'minRobustAccuracy[0].min']);
    for (const p of issues) expect(e.message).toContain(`${p}: `);
  });

  it('when the file is missing, a directory, or empty, then a UsageError says so', () => {
    const missing = join(dir, 'nope.yaml');
    expect(usageError(() => loadPolicy(missing)).message).toBe(`cannot read policy file '${missing}': no such file`);
    const sub = join(dir, 'sub.yaml');
    mkdirSync(sub);
    expect(usageError(() => loadPolicy(sub)).message).toBe(`cannot read policy file '${sub}': it is a directory`);
    expect(usageError(() => loadPolicy(file('empty.json', '  \n'))).message).toMatch(/is empty; write a JSON object/);
    expect(usageError(() => loadPolicy(file('comments.yaml', '# nothing yet\n'))).message).toMatch(/is empty; write a YAML mapping/);
  });

  it('when the file is not UTF-8, then a UsageError says so', () => {
    const p = join(dir, 'latin1.yaml');
    writeFileSync(p, Buffer.from([0x66, 0x61, 0x69, 0x6c, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(usageError(() => loadPolicy(p)).message).toBe(`policy file '${p}' is not UTF-8 text`);
  });

  it('when the extension is neither .json nor .yaml/.yml, then the format is sniffed', () => {
    expect(parsePolicy('{"minCleanAccuracy": 0.5}', 'policy')).toEqual({ minCleanAccuracy: 0.5 });
    expect(parsePolicy('minCleanAccuracy: 0.5', 'policy.txt')).toEqual({ minCleanAccuracy: 0.5 });
    expect(usageError(() => parsePolicy('{"minCleanAccuracy": 0.5,}', 'policy')).message).toMatch(/is not valid JSON: line 1/);
    // A .json name is parsed strictly as JSON, even when the text would be valid YAML.
    expect(usageError(() => parsePolicy('minCleanAccuracy: 0.5', 'p.json')).message).toMatch(/is not valid JSON/);
  });
});

describe('policy files', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'gauntlet-policy-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loadPolicy returns the base name and the sha256 of the bytes', () => {
    const p = join(POLICIES, 'lenient.json');
    const loaded = loadPolicy(p);
    expect(loaded.name).toBe('lenient.json');
    expect(loaded.sha256).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'));
    expect(loaded.policy).toEqual({
      minCleanAccuracy: 0.8,
      minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.3 }],
      failOnFlags: ['full-box-not-zero', 'not-converged'],
    });
  });

  it('the JSON and YAML forms of the same policy evaluate identically on several reports', () => {
    const yaml = loadPolicy(join(POLICIES, 'strict.yaml'));
    const jsonPath = join(dir, 'strict.json');
    writeFileSync(jsonPath, JSON.stringify({
      minCleanAccuracy: 0.95,
      minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.6 }, { norm: 'linf', eps: 0.2, min: 0.3 }],
      maxHypocriticalRisk: 0.02,
      maxPerClassRobustGap: 0.2,
      substandardBelow: 0.95,
      failOnFlags: 'any',
    }, null, 2));
    const json = loadPolicy(jsonPath);
    expect(json.sha256).not.toBe(yaml.sha256);
    const reports = [
      sampleReport(),
      sampleReport({ flags: [], cleanAccuracy: 0.97, robustAccuracy: 0.65, hypocritical: null }),
      sampleReport({ threat: { norm: 'l2', eps: 0.1 } }),
    ];
    for (const r of reports) {
      expect(evaluatePolicy(r, json.policy, SRC)).toEqual(evaluatePolicy(r, yaml.policy, SRC));
    }
    // The strict policy fails the sample on every threshold, and on its flag.
    expect(evaluatePolicy(reports[0], yaml.policy, SRC).rules.map((x) => [x.rule, x.passed])).toEqual([
      ['minCleanAccuracy', false], ['minRobustAccuracy[linf,0.1]', false], ['minRobustAccuracy[linf,0.2]', false],
      ['maxHypocriticalRisk', false], ['maxPerClassRobustGap', false], ['failOnFlags:zero-gradients', false],
    ]);
  });

  it('lenient.json in YAML form evaluates identically, and passes the sample report', () => {
    const json = loadPolicy(join(POLICIES, 'lenient.json')).policy;
    const yaml = parsePolicy('minCleanAccuracy: 0.8\nminRobustAccuracy:\n  - norm: linf\n    eps: 0.1\n    min: 0.3\nfailOnFlags: [full-box-not-zero, not-converged]\n', 'lenient.yaml');
    expect(yaml).toEqual(json);
    const r = sampleReport();
    expect(evaluatePolicy(r, yaml, SRC)).toEqual(evaluatePolicy(r, json, SRC));
    expect(evaluatePolicy(r, json, SRC).verdict).toBe('PASS');
  });
});

describe('failOnFlags ids', () => {
  it('a typo in a flag id is an error listing the known flags, not a silently absent flag', () => {
    expect(() => parsePolicy('failOnFlags: [not-convergd]\n', 'typo.yaml')).toThrow(UsageError);
    expect(() => parsePolicy('failOnFlags: [not-convergd]\n', 'typo.yaml')).toThrow(/unknown flag 'not-convergd'; flags: probability-outputs, .*not-converged/);
    expect(parsePolicy('failOnFlags: [not-converged, zero-gradients]\n', 'ok.yaml').failOnFlags).toEqual(['not-converged', 'zero-gradients']);
  });
});

describe('shortcuts and confidence', () => {
  // 281 of 500 = 56.2 % (95 % CI 51.7–60.6 %): above 0.55, with a lower bound below it.
  const big = (robust = 281) => sampleReport({
    data: { ...sampleReport().data, n: 500 }, robustAccuracy: robust / 500, robustAccuracyInterval: clopperPearson(robust, 500),
    cleanAccuracy: 0.98, cleanAccuracyInterval: clopperPearson(490, 500),
  });

  it('a bare minRobustAccuracy fraction is the requirement at the audit threat', () => {
    const g = gate(big(), policy({ minRobustAccuracy: 0.5 }));
    expect(g.verdict).toBe('PASS');
    expect(g.rules[0]).toMatchObject({ rule: 'minRobustAccuracy[linf,0.1]', passed: true, measured: 0.562, compared: 'estimate' });
  });

  it('confidence: a figure above the threshold whose lower bound is below it fails, and the message names the bound and the interval', () => {
    expect(gate(big(), policy({ minRobustAccuracy: 0.55 })).verdict).toBe('PASS');
    const g = gate(big(), policy({ minRobustAccuracy: 0.55, confidence: 0.95 }));
    expect(g.verdict).toBe('FAIL');
    expect(g.confidence).toBe(0.95);
    const [rule] = g.rules;
    expect(rule).toMatchObject({ passed: false, measured: 0.562, compared: 'lower', interval: clopperPearson(281, 500) });
    expect(rule.message).toBe('robust accuracy 56.2% at linf ε=0.1: the lower bound of its 95% CI, 51.7% (281 of 500 points), is below the required 55.0%');
    // A lower threshold than the bound passes; a 99 % level is stricter than 95 %.
    expect(gate(big(), policy({ minRobustAccuracy: 0.51, confidence: 0.95 })).verdict).toBe('PASS');
    expect(gate(big(), policy({ minRobustAccuracy: 0.51, confidence: 0.99 })).verdict).toBe('FAIL');
  });

  it('confidence: a maximum applies to the upper bound (hypocritical risk 1 of 10 ≤ 0.2 as measured, not at 95 %)', () => {
    expect(gate(sampleReport(), policy({ maxHypocriticalRisk: 0.2 })).verdict).toBe('PASS');
    const g = gate(sampleReport(), policy({ maxHypocriticalRisk: 0.2, confidence: 0.95 }));
    expect(g.verdict).toBe('FAIL');
    expect(g.rules[0]).toMatchObject({ compared: 'upper', measured: 0.1 });
    expect(g.rules[0].message).toMatch(/upper bound of its 95% CI, 44\.5% \(1 of 10 points\), exceeds the allowed 20\.0%/);
  });

  it('confidence must be in (0, 1)', () => {
    expect(() => parsePolicy('{"confidence": 1}', 'p.json')).toThrow(/confidence: must be in \(0, 1\)/);
    expect(() => parsePolicy('confidence: 0', 'p.yaml')).toThrow(/confidence/);
  });

  it('applyShortcuts over no policy keeps the default flags and adds each shortcut', () => {
    const { policy: p, source } = applyShortcuts(null, { minRobustAccuracy: 0.5, minCleanAccuracy: 0.9, maxHypocriticalRisk: 0.05, confidence: 0.9 }, 'command line');
    expect(p).toMatchObject({ failOnFlags: DEFAULT_POLICY.failOnFlags, minRobustAccuracy: [{ min: 0.5 }], minCleanAccuracy: 0.9, maxHypocriticalRisk: 0.05, confidence: 0.9 });
    expect(source.name).toBe('command line');
    expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
    const g = evaluatePolicy(big(), p, source);
    expect(g.rules.map((r) => r.rule)).toEqual(['minCleanAccuracy', 'minRobustAccuracy[linf,0.1]', 'maxHypocriticalRisk', 'failOnFlags']);
  });

  it('applyShortcuts over a file: a shortcut replaces the audit-threat requirement and keeps the others', () => {
    const base = { policy: policy({ minRobustAccuracy: [{ min: 0.2 }, { norm: 'linf', eps: 0.05, min: 0.6 }], minCleanAccuracy: 0.5 }), source: { name: 'p.yaml', sha256: 'c'.repeat(64) } };
    const { policy: p, source } = applyShortcuts(base, { minRobustAccuracy: 0.4 }, 'command line');
    expect(p.minRobustAccuracy).toEqual([{ norm: 'linf', eps: 0.05, min: 0.6 }, { min: 0.4 }]);
    expect(p.minCleanAccuracy).toBe(0.5);
    expect(source.name).toBe('p.yaml + command line');
    expect(applyShortcuts(base, { minRobustAccuracy: 0.4 }, 'command line').source.sha256).toBe(source.sha256);
    expect(applyShortcuts(base, { minRobustAccuracy: 0.41 }, 'command line').source.sha256).not.toBe(source.sha256);
  });
});
