import { clopperPearson } from '../util/clopper-pearson';
import { Gate, Report } from '../schema/report';
import { errorToJUnit, gateToJUnit, xmlAttr, xmlText } from './junit';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE, evaluatePolicy, policySchema } from '../audit/policy';
import { sampleReport } from '../audit/testing/sample-report';

interface El { name: string; attrs: Record<string, string>; children: El[]; text: string }

/**
 * A strict parser for the XML subset gateToJUnit writes (declaration, elements, double-quoted
 * attributes, text, the five predefined entities and character references). It throws on
 * anything not well-formed: unbalanced or mismatched tags, raw '<' or '&' in text or attributes,
 * unknown entities, duplicate attributes, control characters, ']]>' in text, trailing content.
 * Attribute values are normalised as an XML parser does (raw tab/LF/CR become spaces).
 */
function parseXml(xml: string): El {
  let i = 0;
  const fail = (m: string): never => { throw new Error(`${m} at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`); };
  const decl = '<?xml version="1.0" encoding="UTF-8"?>';
  if (!xml.startsWith(decl)) fail('missing XML declaration');
  i = decl.length;
  const isWs = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const ws = () => { while (i < xml.length && isWs(xml[i])) i++; };
  const NAME = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-';
  const readName = () => {
    const s = i;
    while (i < xml.length && NAME.includes(xml[i])) i++;
    if (i === s) fail('expected a name');
    return xml.slice(s, i);
  };
  const decode = (raw: string, attr: boolean): string => {
    let out = '';
    for (let k = 0; k < raw.length; k++) {
      const c = raw[k], code = raw.charCodeAt(k);
      if (c === '<') fail('raw < in content');
      if (code < 0x20 && !isWs(c)) fail(`control character U+${code.toString(16)}`);
      if (!attr && raw.startsWith(']]>', k)) fail("']]>' in text");
      if (c !== '&') { out += attr && isWs(c) ? ' ' : c; continue; }
      const end = raw.indexOf(';', k);
      if (end < 0) fail('raw & in content');
      const ent = raw.slice(k + 1, end);
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ent in named) out += named[ent];
      else if (ent.startsWith('#x')) out += String.fromCodePoint(parseInt(ent.slice(2), 16));
      else if (ent.startsWith('#')) out += String.fromCodePoint(Number(ent.slice(1)));
      else fail(`unknown entity &${ent};`);
      k = end;
    }
    return out;
  };
  const element = (): El => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      ws();
      if (xml.startsWith('/>', i)) { i += 2; return { name, attrs, children: [], text: '' }; }
      if (xml[i] === '>') { i++; break; }
      if (i === before) fail('expected whitespace before an attribute');
      const an = readName();
      if (an in attrs) fail(`duplicate attribute ${an}`);
      if (xml[i] !== '=' || xml[i + 1] !== '"') fail('expected ="');
      const end = xml.indexOf('"', i + 2);
      if (end < 0) fail('unterminated attribute');
      attrs[an] = decode(xml.slice(i + 2, end), true);
      i = end + 1;
    }
    const children: El[] = [];
    let text = '';
    for (;;) {
      if (i >= xml.length) fail(`unclosed <${name}>`);
      if (xml.startsWith('</', i)) {
        i += 2;
        const close = readName();
        if (close !== name) fail(`</${close}> closes <${name}>`);
        if (xml[i] !== '>') fail('expected >');
        i++;
        return { name, attrs, children, text };
      }
      if (xml[i] === '<') { children.push(element()); continue; }
      const next = xml.indexOf('<', i);
      const end = next < 0 ? xml.length : next;
      text += decode(xml.slice(i, end), false);
      i = end;
    }
  };
  ws();
  const root = element();
  ws();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
const child = (el: El, name: string): El | undefined => el.children.find((c) => c.name === name);

function render(report: Report, gate: Gate) {
  const xml = gateToJUnit(report, gate);
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  expect(root.children.map((c) => c.name)).toEqual(['testsuite']);
  const suite = root.children[0];
  const props = Object.fromEntries(all(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
  const cases = all(suite, 'testcase');
  return { xml, root, suite, props, cases };
}

describe('the well-formedness checker', () => {
  const D = '<?xml version="1.0" encoding="UTF-8"?>';
  it.each([
    ['mismatched tags', `${D}<a><b></a></b>`],
    ['an unclosed element', `${D}<a><b/>`],
    ['a raw & in text', `${D}<a>x & y</a>`],
    ['a raw < in an attribute', `${D}<a v="x < y"/>`],
    ['an unescaped quote in an attribute', `${D}<a v="say "hi""/>`],
    ['an unknown entity', `${D}<a>&eps;</a>`],
    ['two roots', `${D}<a/><b/>`],
    ['a control character', `${D}<a>\u0001</a>`],
    ['a duplicate attribute', `${D}<a v="1" v="2"/>`],
  ])('rejects %s', (_what, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
  it('accepts and decodes a well-formed document', () => {
    const el = parseXml(`${D}\n<a v="&quot;x&#10;y&quot;"><b>1 &lt; 2 &amp; ε</b></a>\n`);
    expect(el.attrs.v).toBe('"x\ny"');
    expect(el.children[0].text).toBe('1 < 2 & ε');
  });
});

describe('gateToJUnit', () => {
  it('when the default policy passes, then every rule and check is a testcase and the flag is only noted', () => {
    const report = sampleReport();
    const gate = evaluatePolicy(report, DEFAULT_POLICY, DEFAULT_POLICY_SOURCE);
    const { root, suite, props, cases } = render(report, gate);

    expect(suite.attrs).toMatchObject({ name: 'gauntlet-audit', timestamp: report.createdAt });
    expect(Number(suite.attrs.tests)).toBe(cases.length);
    expect(cases.length).toBe(gate.rules.length + report.checks.length);
    expect(Number(suite.attrs.failures)).toBe(all(suite, 'failure').length);
    expect(Number(suite.attrs.failures)).toBe(0);
    expect(Number(suite.attrs.skipped)).toBe(1);
    expect(root.attrs).toMatchObject({ tests: suite.attrs.tests, failures: '0' });

    expect(props).toMatchObject({
      'model.sha256': report.model.sha256, 'data.sha256': report.data.sha256,
      'battery.id': 'standard-linf', 'battery.preset': 'standard',
      'threat.norm': 'linf', 'threat.eps': '0.1', seed: '7', verdict: 'UNGATED', 'policy.name': 'default',
      robustAccuracy: '0.5', 'robustAccuracy.lower': String(clopperPearson(5, 10).lower), 'robustAccuracy.level': '0.95',
    });
    expect(props['policy.sha256']).toBeUndefined();

    expect(cases.filter((c) => c.attrs.classname === 'gauntlet.policy').map((c) => c.attrs.name)).toEqual(gate.rules.map((r) => r.rule));
    const checks = Object.fromEntries(cases.filter((c) => c.attrs.classname === 'gauntlet.checks').map((c) => [c.attrs.name, c]));
    expect(Object.keys(checks)).toEqual(report.checks.map((c) => c.id));
    const zero = checks['zero-gradients'];
    expect(child(zero, 'failure')).toBeUndefined();
    expect(child(zero, 'system-out')?.text).toContain("flag 'zero-gradients' raised (the policy does not fail on it)");
    expect(child(zero, 'system-out')?.text).toContain('zeroGradientPoints: 2');
    expect(child(checks['black-box-beats-white-box'], 'skipped')?.attrs.message).toBe('Black-box beats white-box: no black-box stage in this battery');
    expect(child(checks['not-converged'], 'failure')).toBeUndefined();
  });

  it("when the policy fails on the flag, then both the rule and the check are failures", () => {
    const report = sampleReport();
    const gate = evaluatePolicy(report, policySchema.parse({ failOnFlags: 'any', minCleanAccuracy: 0.8 }), { name: 'strict.yaml', sha256: 'd'.repeat(64) });
    const { suite, props, cases } = render(report, gate);
    expect(gate.verdict).toBe('FAIL');
    expect(props).toMatchObject({ verdict: 'FAIL', 'policy.name': 'strict.yaml', 'policy.sha256': 'd'.repeat(64) });
    const failed = cases.filter((c) => child(c, 'failure')).map((c) => `${c.attrs.classname}/${c.attrs.name}`);
    expect(failed).toEqual(['gauntlet.policy/failOnFlags:zero-gradients', 'gauntlet.checks/zero-gradients']);
    expect(Number(suite.attrs.failures)).toBe(2);
    const ruleFailure = child(cases.find((c) => c.attrs.name === 'failOnFlags:zero-gradients')!, 'failure')!;
    expect(ruleFailure.attrs).toEqual({ message: gate.rules[1].message, type: 'policy' });
    const passing = cases.find((c) => c.attrs.name === 'minCleanAccuracy')!;
    expect(child(passing, 'failure')).toBeUndefined();
    expect(child(passing, 'system-out')?.text).toBe('clean accuracy 90.0% meets the required 80.0% (95% CI 55.5%–99.7%, 9 of 10 points)');
  });

  it('when a threshold fails, then its testcase carries the message, measured and threshold', () => {
    const report = sampleReport({ robustAccuracy: 0.412 });
    const gate = evaluatePolicy(report, policySchema.parse({ minRobustAccuracy: [{ norm: 'linf', eps: 0.1, min: 0.5 }] }), { name: 'p.json', sha256: null });
    const { cases } = render(report, gate);
    const f = child(cases[0], 'failure')!;
    const message = 'robust accuracy 41.2% at linf ε=0.1 is below the required 50.0% (95% CI 12.2%–73.8%, 4 of 10 points)';
    expect(f.attrs.message).toBe(message);
    const ci = clopperPearson(4, 10);
    expect(f.text).toBe(`${message}\nmeasured: 0.412\nthreshold: 0.5\ninterval: ${ci.lower} – ${ci.upper} (4 of 10 points)`);
  });

  it('escapes quotes, <, & and line breaks, keeps non-ASCII (ε) as UTF-8, and replaces characters XML cannot carry', () => {
    const nasty = `He said "x < y & z" — it's ε=0.1 ]]> done\nsecond line\ttab\u0001`;
    const expected = nasty.replace('\u0001', '\uFFFD');
    const report = sampleReport({
      model: { ...sampleReport().model, name: `m<"&'>.onnx` },
      checks: [{ id: 'weird<&>"id"', title: 'Title "q" <t>', status: 'flag', message: nasty, evidence: { 'k<&>': 'v"ε' } }],
      flags: ['weird<&>"id"'],
    });
    const gate = evaluatePolicy(report, policySchema.parse({ failOnFlags: 'any' }), { name: 'p&"q".yaml', sha256: null });
    const { xml, props, cases } = render(report, gate);

    expect(xml).toContain('ε=0.1');
    expect(xml).not.toContain('&#949;');
    expect(xml).not.toContain('\u0001');
    expect(props['model.name']).toBe(`m<"&'>.onnx`);
    expect(props['policy.name']).toBe('p&"q".yaml');

    const check = cases.find((c) => c.attrs.classname === 'gauntlet.checks')!;
    expect(check.attrs.name).toBe('weird<&>"id"');
    const f = child(check, 'failure')!;
    expect(f.attrs.message).toBe(`flag 'weird<&>"id"' raised: Title "q" <t>: ${expected}`);
    expect(f.text).toBe(`Title "q" <t>: ${expected}\nk<&>: v"ε`);
    const rule = cases.find((c) => c.attrs.classname === 'gauntlet.policy')!;
    expect(rule.attrs.name).toBe('failOnFlags:weird<&>"id"');
  });

  it('xmlText / xmlAttr escape exactly what they must', () => {
    expect(xmlText(`a<b>&c "d" 'e' ε`)).toBe(`a&lt;b&gt;&amp;c "d" 'e' ε`);
    expect(xmlAttr(`a<b>&c "d" 'e'\n\tε`)).toBe('a&lt;b&gt;&amp;c &quot;d&quot; &apos;e&apos;&#10;&#9;ε');
    // A lone surrogate is not a character; a surrogate pair (𝜀) is kept.
    expect(xmlText('x\uD835y \uD835\uDF00')).toBe('x\uFFFDy \uD835\uDF00');
  });
});

describe('errorToJUnit (an audit that did not complete)', () => {
  it('when the audit errored then the document is well-formed with one <error> case, errors="1", and no passing rule', () => {
    const xml = errorToJUnit({ message: "the model's logits are NaN for sample 17 (class 3) <&>", code: 'invalid_model', model: 'm.onnx', data: 'd.npz', seconds: 1.5 }, '2026-01-01T00:00:00.000Z');
    const root = parseXml(xml);
    expect(root.attrs).toMatchObject({ tests: '1', failures: '0', errors: '1', skipped: '0', time: '1.500' });
    const suite = root.children[0];
    expect(suite.attrs).toMatchObject({ name: 'gauntlet-audit', errors: '1', timestamp: '2026-01-01T00:00:00.000Z' });
    const cases = all(suite, 'testcase');
    expect(cases).toHaveLength(1);
    expect(cases[0].attrs).toEqual({ classname: 'gauntlet.audit', name: 'audit' });
    const error = child(cases[0], 'error')!;
    expect(error.attrs).toEqual({ message: "the model's logits are NaN for sample 17 (class 3) <&>", type: 'invalid_model' });
    expect(error.text).toMatch(/did not complete/);
    expect(all(suite, 'failure')).toHaveLength(0);
    const props = Object.fromEntries(all(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toEqual({ 'model.name': 'm.onnx', 'data.name': 'd.npz', verdict: 'ERROR' });
  });
});
