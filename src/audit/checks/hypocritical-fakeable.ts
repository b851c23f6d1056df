/**
 * A false friend could fake the evaluation (hypocritical risk; Tao et al. 2022, ../hypocritical.ts):
 * a substandard model whose misclassified points, perturbed within ε toward their true label, would
 * lift its accuracy above the policy's threshold can be made to look accurate on supplied data.
 */
import type { Check, Report } from '../../schema/report';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const hypocriticalFakeable = defineCheck({
  id: 'hypocritical-fakeable',
  title: 'A false friend could fake this model\'s evaluation (hypocritical risk)',
  explanation: {
    tests: 'whether someone could retouch the test images to make a weak model look accurate',
    flag: 'The model is less accurate than required, yet small retouches of the test images could make it look accurate enough, so an evaluation on supplied images could be faked.',
    pass: 'Small retouches of the test images could not make this model pass for an accurate one (or it is accurate enough anyway).',
  },
  failsByDefault: { order: 6 }, // the evaluation could be faked
  evaluate: (e) => hypocriticalCheck(e.hypocritical),
});

/** The check from the measured hypocritical risk (null: not measured). */
export function hypocriticalCheck(h: Report['hypocritical']): Check {
  const base = { id: hypocriticalFakeable.id, title: hypocriticalFakeable.title };
  if (!h) return { ...base, status: 'skipped', message: 'not measured', evidence: {} };
  const evidence = { eps: h.eps, misclassified: h.misclassified, fixable: h.fixable, risk: h.risk, fakedAccuracy: h.fakedAccuracy, substandardBelow: h.substandardBelow };
  if (h.fakeable) {
    return { ...base, evidence, status: 'flag', message: `substandard model (clean accuracy below ${pct(h.substandardBelow)}) whose evaluation a false friend could lift to ${pct(h.fakedAccuracy)} by perturbing ${h.fixable} misclassified points within ε = ${h.eps}` };
  }
  return { ...base, evidence, status: 'pass', message: `hypocritical risk ${pct(h.risk)} (${h.fixable} of ${h.misclassified} misclassified points fixable); faked accuracy ${pct(h.fakedAccuracy)}${h.substandard ? '' : ' — the model is not substandard'}` };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
