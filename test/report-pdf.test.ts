/**
 * The PDF compliance report end to end: the sample report, a real `gauntlet audit --demo --n 60`
 * report (src/report/pdf/testing/demo-report.json) with example images, and a synthetic
 * 1000-class report, rendered and read back with poppler (pdftoppm, pdftotext, pdffonts) —
 * independent readers, so "not blank", "contains", "embedded" and "inside the page" are checked
 * on the file itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certifiedPerClass } from '../src/audit/certified-per-class';
import { sampleReport } from '../src/audit/testing/sample-report';
import { loadEvalSet } from '../src/data';
import { DataError, UsageError } from '../src/errors';
import { AdversarialExample, cascadeData, explainAdaptation, explainCheck, renderReportPdf } from '../src/report/pdf';
import { PAGE } from '../src/report/pdf/layout';
import { scaleReport } from '../src/report/pdf/synthetic';
import { pctCI } from '../src/report/pdf/text';
import { POPPLER_SKIP, pageInk, pdfFonts, pdfText, wordBoxes } from '../src/report/pdf/testing/poppler';
import { Report, validateReport } from '../src/schema/report';
import { clopperPearson } from '../src/util/clopper-pearson';
import { fixturePath, readArrays } from './support/fixtures';

const DEMO = validateReport(JSON.parse(readFileSync(join(__dirname, '..', 'src', 'report', 'pdf', 'testing', 'demo-report.json'), 'utf8')));

/** Page count of a PDF from its page tree (/Type /Pages … /Count n), without poppler. */
function pageCount(pdf: Uint8Array): number {
  const m = Buffer.from(pdf).toString('latin1').match(/\/Type \/Pages\s*\/Count (\d+)/);
  if (!m) throw new Error('no page tree');
  return Number(m[1]);
}

/**
 * Example images for the demo report: the real adversarial examples that audit wrote
 * (adversarial.npz, kept as src/report/pdf/testing/demo-adversarial.npz) over the MNIST points it
 * audited (the first 60 of fixtures/data/mnist-eval.npz).
 */
function demoExamples(r: Report, k: number): AdversarialExample[] {
  const set = loadEvalSet(fixturePath('data/mnist-eval.npz'));
  const adv = readArrays(join(__dirname, '..', 'src', 'report', 'pdf', 'testing', 'demo-adversarial.npz'));
  const col = (name: string) => Array.from(adv.get(name)!.data as ArrayLike<number | bigint>, Number);
  const [index, stage, norm, pred, label] = ['index', 'stage', 'norm', 'pred', 'label'].map(col);
  const xAdv = adv.get('x_adv')!.data as Float32Array;
  const per = set.sampleShape.reduce((a, b) => a * b, 1);
  return index.slice(0, k).map((i, j) => {
    // The npz and the report describe the same breaks.
    expect([label[j], pred[j], stage[j]]).toEqual([r.points.label[i], r.points.advPred[i], r.points.brokenBy[i]]);
    expect(set.y[i]).toBe(r.points.label[i]);
    return {
      index: i, label: label[j], advPred: pred[j], attack: r.stages[stage[j]].attack, norm: norm[j],
      x: set.x.slice(i * per, (i + 1) * per), xAdv: xAdv.slice(j * per, (j + 1) * per), shape: set.sampleShape,
    };
  });
}

/** A 6×4 RGB image in HWC and the same in CHW. */
function rgbExamples(): AdversarialExample[] {
  const h = 6, w = 4;
  const hwc = Float32Array.from({ length: h * w * 3 }, (_, i) => ((i * 37) % 256) / 255);
  const chw = new Float32Array(hwc.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) chw[(c * h + y) * w + x] = hwc[(y * w + x) * 3 + c];
  const adv = (a: Float32Array) => a.map((v, i) => Math.min(1, Math.max(0, v + (i % 2 ? 0.05 : -0.05))));
  return [
    { index: 100, label: 3, advPred: 5, attack: 'square', norm: 0.05, x: hwc, xAdv: adv(hwc), shape: [h, w, 3] },
    { index: 101, label: 3, advPred: 5, attack: 'square', norm: 0.05, x: chw, xAdv: adv(chw), shape: [3, h, w] },
  ];
}

const failing = (): Report => sampleReport({
  gate: {
    policy: { name: 'strict.yaml', sha256: 'c'.repeat(64) },
    verdict: 'FAIL',
    confidence: null,
    note: null,
    rules: [
      { rule: 'minRobustAccuracy[linf,0.1]', passed: false, message: 'robust accuracy 50.0% < required 80.0% at linf ε=0.1', measured: 0.5, threshold: 0.8, interval: null, compared: 'estimate' },
      { rule: 'minCleanAccuracy', passed: true, message: 'clean accuracy 90.0% ≥ 85.0%', measured: 0.9, threshold: 0.85, interval: null, compared: 'estimate' },
    ],
  },
  adaptations: [
    { id: 'bpda', trigger: "piecewise-constant ops reachable from the input: Round 'q'", reason: 'r1', effect: 'e1' },
    { id: 'eot', trigger: "random ops reachable from the input: RandomNormalLike 'n'", reason: 'r2', effect: 'e2' },
  ],
});

const SIGNING = { keyFingerprint: 'SHA256:0f1e2d3c4b5a69788796a5b4c3d2e1f0', algorithm: 'Ed25519', verifyCommand: 'gauntlet verify report.intoto.jsonl --key signing-key.pub.pem --model cnn.onnx --data mnist-eval.npz' };

// Rendered once for both groups of tests (rendering dominates the file's time).
let sample: Uint8Array, demo: Uint8Array, fail: Uint8Array, big: Uint8Array;
beforeAll(async () => {
  sample = await renderReportPdf(sampleReport());
  demo = await renderReportPdf(DEMO, { examples: [...demoExamples(DEMO, 5), ...rgbExamples()] });
  fail = await renderReportPdf(failing(), { signing: SIGNING });
  big = await renderReportPdf(scaleReport(sampleReport(), { points: 3000, classes: 1000, seed: 5 }));
});

describe('renderReportPdf', () => {
  it('writes PDFs (%PDF … %%EOF) with a plausible page count', () => {
    for (const pdf of [sample, demo, fail, big]) {
      expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
      expect(Buffer.from(pdf.subarray(-6)).toString('latin1')).toMatch(/%%EOF\s*$/);
    }
    expect(pageCount(sample)).toBeGreaterThanOrEqual(6);
    expect(pageCount(sample)).toBeLessThanOrEqual(12);
    expect(pageCount(demo)).toBeGreaterThanOrEqual(8);
    expect(pageCount(demo)).toBeLessThanOrEqual(14);
  });

  it('is deterministic: the same input gives the same bytes; another date gives other bytes', async () => {
    expect(Buffer.from(await renderReportPdf(sampleReport())).equals(Buffer.from(sample))).toBe(true);
    const later = await renderReportPdf(sampleReport({ createdAt: '2025-01-03T00:00:00.000Z' }));
    expect(Buffer.from(later).equals(Buffer.from(sample))).toBe(false);
    expect(Buffer.from(sample).toString('latin1')).toContain('(D:20250102030405Z)'); // CreationDate = ModDate = createdAt
  });

  it('a 1000-class, 3000-point report stays small: top-k tables and charts', () => {
    expect(pageCount(big)).toBeLessThanOrEqual(12);
    expect(big.length).toBeLessThan(1_000_000);
  });

  it('when the report is not a valid Report, then a DataError; when options are bad, then a UsageError', async () => {
    await expect(renderReportPdf({ ...sampleReport(), cleanAccuracy: 2 })).rejects.toThrow(DataError);
    await expect(renderReportPdf(sampleReport(), { maxTableRows: 0 })).rejects.toThrow(UsageError);
    const [e] = rgbExamples();
    await expect(renderReportPdf(sampleReport(), { examples: [{ ...e, shape: [5, 5] }] })).rejects.toThrow(/examples\[0\].*needs 25/);
    await expect(renderReportPdf(sampleReport(), { examples: [{ ...e, x: [1, 2] as unknown as Float32Array }] })).rejects.toThrow(UsageError);
  });
});

const maybe = POPPLER_SKIP ? describe.skip : describe;
if (POPPLER_SKIP) console.warn(`skipping poppler checks of the PDF report: ${POPPLER_SKIP}`);

maybe('the PDF read back with poppler', () => {
  it('no page is blank (pdftoppm -gray -r 20: ≥ 1 % of the pixels are ink)', () => {
    for (const pdf of [sample, demo, fail]) {
      const ink = pageInk(pdf);
      expect(ink).toHaveLength(pageCount(pdf));
      for (const v of ink) expect(v).toBeGreaterThan(0.01);
    }
  });

  it('the text holds the verdict, the model and data sha256 and every check\'s plain sentence', () => {
    const cases: [Uint8Array, Report, string][] = [[sample, sampleReport(), 'NO VERDICT'], [demo, DEMO, 'UNGATED'], [fail, failing(), 'FAIL']];
    for (const [pdf, r, verdict] of cases) {
      const text = pdfText(pdf);
      expect(text).toContain(verdict);
      expect(text).toContain(r.model.sha256);
      expect(text).toContain(r.data.sha256);
      expect(r.checks.length).toBeGreaterThan(3);
      for (const c of r.checks) {
        expect(text).toContain(explainCheck(c));
        expect(text).toContain(c.message.replace(/\s+/g, ' '));
      }
    }
  });

  it('a failing report names its failing rule on the cover; adaptations get their sentences; signing details appear', () => {
    const text = pdfText(fail).replace(/ \\ /g, ' '); // commands wrap as shell continuation lines
    const cover = text.slice(0, text.indexOf('Summary'));
    expect(cover).toContain('FAIL');
    expect(cover).toContain('minRobustAccuracy[linf,0.1]: robust accuracy 50.0% < required 80.0% at linf ε=0.1');
    expect(cover).not.toContain('minCleanAccuracy');
    for (const a of failing().adaptations) expect(text).toContain(explainAdaptation(a));
    expect(text).toContain(SIGNING.keyFingerprint);
    expect(text).toContain(SIGNING.verifyCommand);
    expect(text).not.toContain('This report is unsigned');
    expect(pdfText(sample)).toContain('This report is unsigned');
  });

  it('the drawn chart labels are the report\'s numbers (cascade bars of the demo report)', () => {
    const text = pdfText(demo);
    for (const s of cascadeData(DEMO)) expect(text).toContain(`${(100 * s.robustAccuracy).toFixed(1)}%`);
    expect(text).toContain('Point 3 — apgd-ce'); // first example's caption
    expect(text).toContain(`original: class ${DEMO.points.label[3]}`);
  });

  it('certification: the demo PDF draws the bracket chart and a certified column per class (report.certification); the sample report, without one, has neither', () => {
    const text = pdfText(demo);
    expect(text).toContain('Certified and attacked robust accuracy');
    expect(text).toContain('unknown');
    expect(text).toContain('Certified, IBP (CI)');
    const perClass = DEMO.certification!.perClass!;
    expect(perClass).toHaveLength(10);
    for (const c of perClass) expect(text).toContain(pctCI(c.certifiedAccuracy!, c.certifiedAccuracyInterval));
    const plain = pdfText(sample);
    expect(plain).not.toContain('Certified and attacked');
    expect(plain).not.toContain('Certified, IBP');
  });

  it('certification that could not bound the model (notCertifiable): the summary says so; no bracket chart, no certified column', async () => {
    const base = sampleReport();
    const certification = {
      method: 'ibp', certifiedAccuracy: 0, certifiedAccuracyInterval: clopperPearson(0, 10),
      certified: Array(10).fill(0) as 0[], sweep: [], notCertifiable: "no bound rule for op Foo (node 'f')",
      perClass: certifiedPerClass(base.points.label, Array(10).fill(0), 3),
    };
    const text = pdfText(await renderReportPdf({ ...base, certification }));
    expect(text).toContain('not certifiable');
    expect(text).not.toContain('Certified and attacked');
    expect(text).not.toContain('Certified, IBP');
  });

  it('every font is embedded (pdffonts), and they are the DejaVu subsets', () => {
    for (const pdf of [sample, demo]) {
      const fonts = pdfFonts(pdf);
      expect(fonts.length).toBeGreaterThanOrEqual(3);
      for (const f of fonts) {
        expect(f.embedded).toBe(true);
        expect(f.name).toMatch(/^[A-Z]{6}\+DejaVuSans/);
      }
    }
  });

  it('no word leaves the page\'s text box (pdftotext -bbox), for the demo and the 1000-class report', () => {
    for (const pdf of [demo, big, fail]) {
      const boxes = wordBoxes(pdf);
      expect(boxes.length).toBeGreaterThan(500);
      for (const b of boxes) {
        expect(b.xMin).toBeGreaterThanOrEqual(PAGE.margins.left - 1);
        expect(b.xMax).toBeLessThanOrEqual(PAGE.width - PAGE.margins.right + 1);
        expect(b.yMin).toBeGreaterThanOrEqual(PAGE.margins.top - 12);
        expect(b.yMax).toBeLessThanOrEqual(PAGE.height - 20);
      }
    }
  });

  it('extreme strings and counts (long names, 100 rules, 60 stages, huge evidence) stay inside the page box', async () => {
    const long = (tag: string, n: number) => `${tag}-${'x'.repeat(n)}`;
    const base = failing();
    const r = sampleReport({
      model: { ...base.model, name: long('model', 300) },
      data: { ...base.data, name: long('data/with/a/very/long/path', 250) },
      gate: { ...base.gate!, rules: Array.from({ length: 100 }, (_, i) => ({ rule: long(`rule${i}`, 80), passed: i % 3 !== 0, message: long('message', 400), measured: i, threshold: long('t', 90), interval: null, compared: null })) },
      stages: Array.from({ length: 60 }, (_, i) => ({ ...base.stages[i % 2], attack: long(`attack${i}`, 60), origin: long('origin', 40), params: { big: Array.from({ length: 500 }, (_, k) => k) } })),
      checks: [...base.checks, { id: long('new-check', 50), title: long('A new check', 200), status: 'flag', message: long('msg', 1500), evidence: Object.fromEntries(Array.from({ length: 80 }, (_, k) => [`key${k}`, long('v', 30)])) }],
      adaptations: [{ id: long('adapt', 40), trigger: long('trigger', 900), reason: long('reason', 600), effect: long('effect', 600) }],
      timings: Object.fromEntries(Array.from({ length: 200 }, (_, k) => [long(`t${k}`, 20), k])),
    });
    const pdf = await renderReportPdf(r, { signing: { ...SIGNING, verifyCommand: `${SIGNING.verifyCommand} --extra ${'y'.repeat(200)}` } });
    expect(pageCount(pdf)).toBeLessThanOrEqual(40);
    for (const b of wordBoxes(pdf)) {
      expect(b.xMin).toBeGreaterThanOrEqual(PAGE.margins.left - 1);
      expect(b.xMax).toBeLessThanOrEqual(PAGE.width - PAGE.margins.right + 1);
      expect(b.yMin).toBeGreaterThanOrEqual(PAGE.margins.top - 12);
      expect(b.yMax).toBeLessThanOrEqual(PAGE.height - 20);
    }
    for (const v of pageInk(pdf)) expect(v).toBeGreaterThan(0.005);
  });

  it('the 1000-class report says which top-k it shows', () => {
    const text = pdfText(big);
    expect(text).toContain('The 30 classes with the lowest robust accuracy, of 1,000 with points');
    expect(text).toContain('30 of 1,000 classes shown');
    expect(text).toMatch(/The 15 of 1,000 classes of the hardest pairs/);
  });
});
