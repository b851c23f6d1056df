/**
 * Issue 11, deliverable 7 ("the PDF reads cleanly"), checked on the demo audit's PDF with poppler:
 * no page with less than a third of its text area used except the last; no table cell cut (every
 * gate rule id and check id is found in full); counts ≥ 1000 with thousands separators; a tagged PDF
 * (pdfinfo "Tagged: yes") with its title and language set — also after signing.
 *
 * The report is fixtures/reports/demo-report.json (a saved `gauntlet audit --demo`, see
 * fixtures/reports/README.md), so no audit runs here; rendering takes about a second per PDF.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { renderReportPdf } from '../src/report/pdf';
import { PAGE } from '../src/report/pdf/layout';
import { int } from '../src/report/pdf/text';
import { POPPLER_SKIP, pageFill, pdfInfo, pdfRawText, pdfText } from '../src/report/pdf/testing/poppler';
import { Report, validateReport } from '../src/schema/report';
import { loadOrCreateSigningKey, signReportPdf } from '../src/report/sign';

const DEMO = validateReport(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'reports', 'demo-report.json'), 'utf8')));
const SIGNING = { keyFingerprint: 'SHA256:0f1e2d3c4b5a69788796a5b4c3d2e1f0', algorithm: 'ecdsa-p256', verifyCommand: `gauntlet verify report.intoto.jsonl --key signing-key.pub.pem --model ${DEMO.model.name} --data ${DEMO.data.name}` };

/** The demo report with a policy of many rules whose ids are long and unbreakable, the way a table cell would have cut them. */
function manyRules(): Report {
  const rules = Array.from({ length: 24 }, (_, i) => ({ // ≤ DEFAULT_MAX_TABLE_ROWS: all are listed
    rule: i % 2 ? `minRobustAccuracy[linf,0.${i}]` : `failOnFlags:${'very-long-flag-name-'.repeat(4)}${i}`,
    passed: i % 3 !== 0, message: `rule ${i}: ${'a message that wraps over several lines of its cell '.repeat(3)}`,
    measured: 0.5, threshold: 0.8, interval: DEMO.robustAccuracyInterval, compared: i % 2 ? 'lower' as const : null,
  }));
  return { ...DEMO, gate: { ...DEMO.gate!, verdict: 'FAIL', confidence: 0.95, note: null, rules } };
}

const squash = (s: string) => s.replace(/\s+/g, '');

const maybe = POPPLER_SKIP ? describe.skip : describe;
if (POPPLER_SKIP) console.warn(`skipping the PDF layout checks of the demo report: ${POPPLER_SKIP}`);

maybe('the demo PDF reads cleanly (pdfinfo, pdftotext)', () => {
  let demo: Uint8Array, rules: Uint8Array;
  beforeAll(async () => {
    demo = await renderReportPdf(DEMO, { signing: SIGNING });
    rules = await renderReportPdf(manyRules());
  });

  it('when rendered, then no page but the last has less than a third of its text area used', () => {
    for (const pdf of [demo, rules]) {
      const fill = pageFill(pdf, PAGE.margins.top, PAGE.height - PAGE.margins.bottom);
      expect(fill.length).toBe(Number(pdfInfo(pdf).Pages));
      for (const f of fill.slice(0, -1)) expect(f).toBeGreaterThanOrEqual(1 / 3);
    }
  });

  it('when a cell is long, then it wraps: every gate rule id and check id is in the text in full', () => {
    for (const [pdf, r] of [[demo, DEMO], [rules, manyRules()]] as const) {
      // Content-stream order, so a cell's wrapped lines are adjacent; whitespace removed, since wrapping adds line breaks.
      const text = squash(pdfRawText(pdf));
      for (const g of r.gate!.rules) expect(text).toContain(squash(g.rule));
      for (const c of r.checks) expect(text).toContain(squash(c.id));
      // Messages are not cut either (pdftotext drops a hyphen at a line end, so compare without hyphens).
      for (const g of r.gate!.rules) expect(text.replace(/-/g, '')).toContain(squash(g.message).replace(/-/g, ''));
      // Nothing is cut with an ellipsis (but the footer's deliberately short model digest).
      expect(text.split(`${r.model.sha256.slice(0, 16)}…`).join('')).not.toContain('…');
    }
  });

  it('when a count is 1000 or more, then it has thousands separators', () => {
    const text = pdfText(demo);
    const forward = DEMO.stages.reduce((s, x) => s + x.forwardCalls, 0);
    const gradient = DEMO.stages.reduce((s, x) => s + x.gradientCalls, 0);
    expect(forward).toBeGreaterThanOrEqual(1000);
    expect(text).toContain(`${int(forward)} forward and ${int(gradient)} gradient calls`);
    // No bare integer ≥ 1000 outside digests, decimals, dates, the seed and the attack parameters' JSON ({…}, printed as data).
    const bare = text.replace(/\{[^}]*\}/g, ' ').split(' ').filter((w) => /^\(?\d{4,}[),.;:]?$/.test(w) && !/^\(?(19|20)\d\d\b/.test(w) && w.replace(/\D/g, '') !== String(DEMO.seed));
    expect(bare).toEqual([]);
  });

  it('when rendered and when signed, then pdfinfo reports a tagged PDF with its title; the catalog sets the language and shows the title', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gauntlet-pdf-layout-'));
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: dir } });
    const signed = signReportPdf(Buffer.from(demo), DEMO, key, [], { env: { GAUNTLET_KEY_DIR: dir } });
    for (const pdf of [demo, new Uint8Array(signed)]) {
      const info = pdfInfo(pdf);
      expect(info.Tagged).toBe('yes');
      expect(info.Title).toBe(`Adversarial robustness audit — ${DEMO.model.name}`);
      const raw = Buffer.from(pdf).toString('latin1');
      expect(raw).toMatch(/\/Lang \(en\)/);
      expect(raw).toMatch(/\/DisplayDocTitle true/);
      expect(raw).toMatch(/\/StructTreeRoot \d+ 0 R/);
    }
  });

  it('intervals, UNGATED and confidence bounds are stated: the demo cover says UNGATED with the gate note; a policy with a confidence level says thresholds were applied to interval bounds', () => {
    const demoText = pdfText(demo);
    const cover = demoText.slice(0, demoText.indexOf('Summary'));
    expect(cover).toContain('UNGATED');
    expect(squash(cover)).toContain(squash(DEMO.gate!.note!.slice(1)));
    expect(cover).toContain(`robust accuracy 56.2% (${(100 * DEMO.robustAccuracyInterval.lower).toFixed(1)}–${(100 * DEMO.robustAccuracyInterval.upper).toFixed(1)})`);
    expect(pdfText(rules)).toContain('Thresholds were applied to the bounds of the 95% confidence intervals');
  });

  it('when a class has fewer than 30 points, then the chart and the per-class table mark it', async () => {
    const text = pdfText(await renderReportPdf(sampleReport())); // 10 points in 3 classes
    expect(text).toContain('*: fewer than 30 points (3 classes)');
    expect(text.match(/\* small \(n < 30\)/g)).toHaveLength(3);
  });

  it('the verify command is printed once, with how to check the PDF\'s own signature', () => {
    const text = pdfText(demo).replace(/ \\ /g, ' ');
    expect(text.split(SIGNING.verifyCommand).length - 1).toBe(1);
    expect(text).toContain('gauntlet verify report.pdf --key signing-key.pub.pem');
    expect(text).toContain('pdfsig report.pdf');
  });
});
