import { checkSchema, Report } from '../../schema/report';
import type { ProbeEvidence } from '../probe';
import { AuditEvidence, CHECK_IDS, CHECKS, DEFAULT_FAIL_ON_FLAGS, evaluateChecks } from '.';
import { integrityCheck } from './data-too-easy';
import { hypocriticalCheck } from './hypocritical-fakeable';

const probe: ProbeEvidence = {
  points: 0, outputs: { strippedSoftmax: null, probabilityRows: 0, logProbabilityRows: 0 }, randomness: { graphOps: [], maxLogitDiff: 0, predictionFlips: 0 },
  gradients: { ceZero: 0, cwZero: 0, ceZeroStraightThrough: null, medianCeGradMeanAbs: 0, medianMargin: 0 }, nonDifferentiable: [],
};
const nothing: AuditEvidence = {
  n: 0, probe, adaptations: [], stages: [], blackBox: [], epsOutcomes: [], fullBox: null, convergenceRounds: [], maxRounds: 1,
  hypocritical: null, integrity: null, integritySkipped: 'no reference set given (--reference)',
};
const hypocritical = (o: Partial<NonNullable<Report['hypocritical']>> = {}) => ({
  eps: 0.1, misclassified: 10, fixable: 4, risk: 0.04, fakedAccuracy: 0.94, substandardBelow: 0.95, substandard: true, fakeable: false, ...o,
}) as NonNullable<Report['hypocritical']>;

describe('the checks registry', () => {
  it('lists each check once, and CHECK_IDS are its ids in report order', () => {
    expect(new Set(CHECK_IDS).size).toBe(CHECKS.length);
    expect(CHECK_IDS).toEqual(CHECKS.map((c) => c.id));
  });

  it('the checks that fail the default gate number their places 1, 2, … once each, and DEFAULT_FAIL_ON_FLAGS lists them in that order', () => {
    const orders = CHECKS.flatMap((c) => (c.failsByDefault ? [c.failsByDefault.order] : []));
    expect([...orders].sort((a, b) => a - b)).toEqual(orders.map((_, k) => k + 1));
    expect(DEFAULT_FAIL_ON_FLAGS.map((id) => CHECKS.find((c) => c.id === id)!.failsByDefault)).toEqual(orders.map((_, k) => ({ order: k + 1 })));
  });

  it('every check reports under its own id and title, and explains itself in three different sentences', () => {
    const checks = evaluateChecks(nothing);
    checks.forEach((c, k) => {
      checkSchema.parse(c);
      expect(c.id).toBe(CHECKS[k].id);
      expect(c.title).toBe(CHECKS[k].title);
      const { tests, flag, pass } = CHECKS[k].explanation;
      expect(new Set([tests, flag, pass]).size).toBe(3);
    });
  });

  it('when nothing was measured then no check flags, and data-too-easy says why it is skipped', () => {
    const checks = evaluateChecks(nothing);
    expect(checks.filter((c) => c.status === 'flag')).toEqual([]);
    expect(checks.find((c) => c.id === 'data-too-easy')!.message).toMatch(/--reference/);
    expect(integrityCheck(null, null).message).toBe('not measured');
  });

  it('hypocritical risk: flags a fakeable substandard model, passes otherwise', () => {
    expect(hypocriticalCheck(hypocritical({ fakeable: true })).status).toBe('flag');
    expect(hypocriticalCheck(hypocritical()).message).toMatch(/hypocritical risk 4\.0% \(4 of 10/);
    expect(hypocriticalCheck(hypocritical({ substandard: false })).message).toMatch(/not substandard/);
  });
});
