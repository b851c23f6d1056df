/**
 * The audit's certification stage on the IBP-trained fixture (fixtures/models/cnn_ibp.onnx): the
 * report brackets robust accuracy per point and per ε, the policy's minCertifiedAccuracy gates on
 * it, and a model without bound rules certifies nothing, with the reason, without failing the audit.
 */
import { loadEvalSet, sliceEvalSet, fileSha256 } from '../src/data';
import { runAuditWithExamples, AuditOptions } from '../src/audit/audit';
import { tinyBattery } from '../src/audit/testing/tiny-battery';
import { evaluatePolicy, policySchema } from '../src/audit/policy';
import { loadCertifier } from '../src/model/certifier';
import { loadModel } from '../src/model/load';
import type { Model } from '../src/model/model';
import { fixturePath } from './support/fixtures';

const N = 40;
const EPS = 0.1;
const data = sliceEvalSet(loadEvalSet(fixturePath('data/mnist-eval.npz')), 0, N);
const common = { modelName: 'cnn_ibp.onnx', data, dataName: 'mnist-eval.npz', dataSha256: fileSha256(fixturePath('data/mnist-eval.npz')), threat: { norm: 'linf' as const, eps: EPS }, seed: 0, chunk: 20 };

describe('certification in the audit', () => {
  let model: Model;
  beforeAll(async () => { model = await loadModel(fixturePath('models/cnn_ibp.onnx'), { inProcess: true, threads: 1 }); });
  afterAll(() => model.close());

  const audit = async (certification: AuditOptions['certification']) =>
    (await runAuditWithExamples({ ...common, model, battery: tinyBattery(), certification })).report;

  it('when IBP certifies the IBP-trained CNN, then the report brackets robust accuracy per point and per ε, and the gate can use it', async () => {
    const certifier = await loadCertifier(fixturePath('models/cnn_ibp.onnx'), { method: 'ibp', threads: 1 });
    const report = await audit({ method: 'ibp', certifier });
    await certifier.close();
    const c = report.certification!;
    expect(c.method).toBe('ibp');
    expect(c.notCertifiable).toBeNull();
    expect(c.certified).toHaveLength(N);
    expect(c.certifiedAccuracy).toBeGreaterThan(0.5); // trained for ε = 0.1
    expect(c.certifiedAccuracy).toBeLessThanOrEqual(report.robustAccuracy);
    c.certified.forEach((v, i) => { if (v) expect(report.points.robust[i]).toBe(1); });
    expect(c.sweep.map((p) => p.eps)).toEqual([...report.sweep.points.map((p) => p.eps)].sort((a, b) => a - b));
    for (const p of c.sweep) {
      const attacked = report.sweep.points.find((q) => q.eps === p.eps)!;
      expect(p.certifiedAccuracy).toBeLessThanOrEqual(attacked.robustAccuracy);
    }
    // Per class: the certified flags recounted by label, never above the class's robust points.
    expect(c.perClass!.map((pc) => pc.label)).toEqual([...Array(report.model.numClasses).keys()]);
    for (const pc of c.perClass!) {
      const idx = report.points.label.flatMap((y, i) => (y === pc.label ? [i] : []));
      expect([pc.n, pc.certified]).toEqual([idx.length, idx.filter((i) => c.certified[i] === 1).length]);
      expect(pc.certified).toBeLessThanOrEqual(idx.filter((i) => report.points.robust[i] === 1).length);
    }

    const gate = (min: number) => evaluatePolicy(report, policySchema.parse({ minCertifiedAccuracy: min }), { name: 'test', sha256: '0'.repeat(64) });
    expect(gate(0.1).verdict).toBe('PASS');
    const failed = gate(0.99);
    expect(failed.verdict).toBe('FAIL');
    expect(failed.rules.find((r) => r.rule === 'minCertifiedAccuracy')!.message).toMatch(/certified accuracy .* is below the required 99/);
  });

  it('when nothing can be certified or certification is off, then the audit reports it and minCertifiedAccuracy fails', async () => {
    const unsupported = await audit({ method: 'ibp', unsupported: "no bound rule for op Foo (node 'f')" });
    expect(unsupported.certification).toMatchObject({ certifiedAccuracy: 0, notCertifiable: "no bound rule for op Foo (node 'f')" });
    const off = await audit(null);
    expect(off.certification).toBeNull();
    const policy = policySchema.parse({ minCertifiedAccuracy: 0.1 });
    const source = { name: 'test', sha256: '0'.repeat(64) };
    expect(evaluatePolicy(unsupported, policy, source).rules[0].message).toMatch(/nothing could be certified \(no bound rule for op Foo/);
    expect(evaluatePolicy(off, policy, source).rules[0].message).toMatch(/certified accuracy was not measured/);
    expect(evaluatePolicy(off, policy, source).verdict).toBe('FAIL');
  });
});
