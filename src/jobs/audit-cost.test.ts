/** The audit arithmetic cap: the estimate's parts and the refusal's one-line message. */
import { GRADIENT_PASS } from '../audit/battery-cost';
import { AuditTooCostly, checkAuditFlops, estimateAuditFlops } from './audit-cost';

const CNN = { flopsPerSample: 2_271_808, numClasses: 10, random: false }; // fixtures/models/cnn.onnx (onnx/cost.ts)

describe('audit arithmetic cap', () => {
  test('when the fixture CNN is audited on 500 points with the standard preset then it needs about 0.042 PFLOPs', () => {
    const e = estimateAuditFlops(CNN, 'standard', 500);
    expect(e.flops).toBe(CNN.flopsPerSample * (e.cost.total.forward + GRADIENT_PASS * e.cost.total.gradient));
    expect(e.flops / 1e15).toBeCloseTo(0.0416, 3);
    expect(() => checkAuditFlops(e, 10)).not.toThrow();
  });

  test('when the estimate is over the limit then 413 audit_too_costly, one line naming the estimate, its parts and the variable', () => {
    const e = estimateAuditFlops({ ...CNN, flopsPerSample: 3.2e9 }, 'standard', 1000);
    let caught: unknown;
    try { checkAuditFlops(e, 1); } catch (x) { caught = x; }
    expect(caught).toBeInstanceOf(AuditTooCostly);
    const err = caught as AuditTooCostly;
    expect(err.httpStatus).toBe(413);
    expect(err.code).toBe('audit_too_costly');
    expect(err.message).toMatch(/^the audit would need about \d+ PFLOPs \(3\.2 GFLOPs per sample × 1000 points × [\d,]+ passes per point, preset standard\); the limit is 1 PFLOPs \(GAUNTLET_MAX_AUDIT_PFLOPS\): audit fewer points \(config\.n\), a cheaper preset, or a smaller model$/);
    expect(err.message).not.toContain('\n');
    expect(err.details).toMatchObject({ field: 'config', limitPflops: 1, points: 1000, preset: 'standard' });
  });

  test('when the model has random ops then the estimate is higher (EOT draws, majority votes)', () => {
    expect(estimateAuditFlops({ ...CNN, random: true }, 'quick', 100).flops).toBeGreaterThan(estimateAuditFlops(CNN, 'quick', 100).flops);
  });
});
