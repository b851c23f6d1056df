/**
 * Audits that used to be accepted and then fail (issue 12), end to end through auditFromFiles
 * (what `gauntlet audit` and the service's job processes run): a 2-class and a 3-class model
 * (APGD-T needed 4 classes) and vector inputs ([N, D]: the PDF drew only images) now complete
 * with a report that renders; an audit that errors leaves a junit.xml with an <error> and no report.json.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditFromFiles } from '../src/usecases/from-files';
import { writeNpz } from '../src/data';
import { linearOnnx } from '../src/attacks/testing/linear-model';
import { logitsOf, randomLinear } from '../src/attacks/testing/random-linear';
import { POPPLER_SKIP, pdfText } from '../src/report/pdf/testing/poppler';
import { validateReport } from '../src/schema/report';
import { mulberry32 } from '../src/util/random';
import { nanOnNegative } from './support/door-models';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-few-classes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A C-class linear model on D features and n points in [0, 1]^D labelled by it; written into `dir/name.*`. */
function linearCase(name: string, C: number, D: number, n: number, seed: number): { model: string; data: string } {
  const lin = randomLinear(seed, C, D);
  const rng = mulberry32(seed + 1);
  const x = Float32Array.from({ length: n * D }, () => rng());
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const z = logitsOf(lin, x.subarray(i * D, (i + 1) * D));
    y[i] = BigInt(z.indexOf(Math.max(...z)));
  }
  const model = join(dir, `${name}.onnx`), data = join(dir, `${name}.npz`);
  writeFileSync(model, linearOnnx(lin));
  writeFileSync(data, writeNpz({ x: { dtype: 'float32', shape: [n, D], data: x }, y: { dtype: 'int64', shape: [n], data: y } }));
  return { model, data };
}

const audit = (c: { model: string; data: string }, out: string) => auditFromFiles({
  modelPath: c.model, dataPath: c.data, norm: 'linf', eps: 0.05, preset: 'quick', seed: 0, out: join(dir, out), sign: false, threads: 1,
});

describe('audits of 2- and 3-class models with vector inputs', () => {
  it.each([
    ['2 classes, input [N, 5]', 2, 5],
    ['3 classes, input [N, 784]', 3, 784],
  ])('%s: completes with the few-classes substitution recorded, and the PDF renders', async (name, C, D) => {
    const r = await audit(linearCase(`c${C}`, C, D, 24, C), `out-${C}`);
    const report = validateReport(JSON.parse(readFileSync(join(dir, `out-${C}`, 'report.json'), 'utf8')));
    expect(report.model).toMatchObject({ numClasses: C, inputShape: [D] });
    expect(report.adaptations.map((a) => a.id)).toContain('few-classes');
    expect(report.adaptations.find((a) => a.id === 'few-classes')!.effect).toMatch(/APGD-T targeted DLR → targeted CW margin/);
    const apgdT = report.stages.find((s) => s.attack === 'apgd-t')!;
    expect(apgdT).toBeDefined();
    expect(apgdT.params).toMatchObject({ loss: 'cw', targetClasses: C - 1 });
    expect(report.stages.find((s) => s.attack === 'fab-t')!.params).toMatchObject({ targetClasses: C - 1 });
    // A linear model is not robust at ε = 0.05 on most points: the battery breaks some.
    expect(report.robustAccuracy).toBeLessThan(report.cleanAccuracy);
    const pdf = readFileSync(join(dir, `out-${C}`, 'report.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(r.files.map((f) => f.split('/').pop())).toEqual(['report.json', 'junit.xml', 'adversarial.npz', 'report.pdf']);
    if (!POPPLER_SKIP) {
      const text = pdfText(pdf);
      expect(text).toMatch(/few-classes/);
      expect(text).toMatch(/Adversarial examples/);
    }
  }, 180_000);
});

describe('an audit that errors', () => {
  it('when sample 17 has NaN logits then the audit fails naming it, with an <error> JUnit case and no report.json', async () => {
    const D = 4, n = 20;
    const x = new Float32Array(n * D).fill(0.5);
    x[17 * D + 1] = -0.5;
    const model = join(dir, 'nan.onnx'), data = join(dir, 'nan.npz');
    writeFileSync(model, nanOnNegative(3, D));
    writeFileSync(data, writeNpz({
      x: { dtype: 'float32', shape: [n, D], data: x }, y: { dtype: 'int64', shape: [n], data: new BigInt64Array(n) },
      lower: { dtype: 'float32', shape: [n, D], data: new Float32Array(n * D).fill(-1) },
      upper: { dtype: 'float32', shape: [n, D], data: new Float32Array(n * D).fill(1) },
    }));
    await expect(audit({ model, data }, 'out-nan')).rejects.toThrow(/^the model's logits are NaN for sample 17 \(class 0\)/);
    const out = join(dir, 'out-nan');
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="gauntlet-audit" tests="1" failures="0" errors="1"/);
    expect(junit).toMatch(/<testcase classname="gauntlet.audit" name="audit">\s*<error message="the model&apos;s logits are NaN for sample 17 \(class 0\)[^"]*" type="invalid_model">/);
  }, 60_000);
});
