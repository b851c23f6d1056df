/** Methodology (battery, stages, sweep, policy gate) and the references. */
import { COLORS, Layout } from '../layout';
import type { GateRule } from '../../../schema/report';
import { int, normName, num, params, pct, pctCI, seconds } from '../text';
import type { RenderContext } from './context';

/** The papers the method rests on, cited by the report. */
export const REFERENCES: readonly { key: string; text: string }[] = [
  { key: 'AutoAttack', text: 'F. Croce, M. Hein. Reliable evaluation of adversarial robustness with an ensemble of diverse parameter-free attacks. ICML 2020. arXiv:2003.01690.' },
  { key: 'APGD', text: 'Auto-PGD (APGD-CE, APGD-DLR, APGD-T) and the DLR loss: Croce & Hein 2020, §3–4 of arXiv:2003.01690.' },
  { key: 'FAB', text: 'F. Croce, M. Hein. Minimally distorted adversarial examples with a fast adaptive boundary attack. ICML 2020. arXiv:1907.02044.' },
  { key: 'Square', text: 'M. Andriushchenko, F. Croce, N. Flammarion, M. Hein. Square Attack: a query-efficient black-box adversarial attack via random search. ECCV 2020. arXiv:1912.00049.' },
  { key: 'alt-PGD', text: 'N. Antoniou, E. Georgiou, A. Potamianos. Alternating objectives generates stronger PGD-based adversarial attacks. 2022. arXiv:2212.07992.' },
  { key: 'PGD', text: 'A. Madry, A. Makelov, L. Schmidt, D. Tsipras, A. Vladu. Towards deep learning models resistant to adversarial attacks. ICLR 2018. arXiv:1706.06083.' },
  { key: 'BPDA', text: 'A. Athalye, N. Carlini, D. Wagner. Obfuscated gradients give a false sense of security: circumventing defenses to adversarial examples. ICML 2018. arXiv:1802.00420.' },
  { key: 'EOT', text: 'A. Athalye, L. Engstrom, A. Ilyas, K. Kwok. Synthesizing robust adversarial examples. ICML 2018. arXiv:1707.07397.' },
  { key: 'Tao et al. 2022', text: 'L. Tao, L. Feng, H. Wei, J. Yi, S.-J. Huang, S. Chen. With false friends like these, who can notice mistakes? AAAI 2022. arXiv:2107.07759.' },
  { key: 'Carlini et al. 2019', text: 'N. Carlini, A. Athalye, N. Papernot, W. Brendel, J. Rauber, D. Tsipras, I. Goodfellow, A. Madry, A. Kurakin. On evaluating adversarial robustness. 2019. arXiv:1902.06705.' },
  { key: 'C&W', text: 'N. Carlini, D. Wagner. Towards evaluating the robustness of neural networks. IEEE S&P 2017. arXiv:1608.04644.' },
];

const COMPARED: Record<NonNullable<GateRule['compared']> | 'none', string> = { estimate: 'estimate', lower: 'lower bound', upper: 'upper bound', none: '—' };

/** A rule's measured figure: a fraction with an interval as "56.2% (51.7–60.6)", anything else as it is. */
export function measuredCell(g: GateRule): string {
  if (g.interval && typeof g.measured === 'number') return pctCI(g.measured, g.interval);
  return g.measured === null ? '—' : typeof g.measured === 'number' ? num(g.measured) : String(g.measured);
}

/** A rule's threshold, in percent when it applies to a figure with an interval (a fraction). */
export function thresholdCell(g: GateRule): string {
  if (g.threshold === null) return '—';
  return g.interval && typeof g.threshold === 'number' ? pct(g.threshold) : typeof g.threshold === 'number' ? num(g.threshold) : String(g.threshold);
}

/** Draws methodology and references. */
export function methodologySection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  const k = ctx.maxTableRows;
  L.heading('Methodology', 1);
  L.paragraph(`Every test point the model classifies correctly is attacked within the ${normName(r.threat.norm)} budget ε = ${num(r.threat.eps)} by the battery's attacks in turn, as a cascade: each stage attacks only the points that all earlier stages left robust (the protocol of AutoAttack). A point counts as broken only when a fresh forward pass of the model confirms that its adversarial example is inside the budget and misclassified, so every break is real; robust accuracy is therefore an upper bound that stronger attacks could only lower. The battery is adapted to what the model's graph and a short probe reveal (see Adaptations), a final extra-effort stage tests convergence, and a set of reliability checks looks for the known symptoms of a misleading evaluation (Carlini et al. 2019). Randomness is seeded per point from seed ${r.seed}, so a re-run gives the same figures.`);

  L.heading('Stages as run', 2);
  L.table([
    { header: '#', weight: 0.35, align: 'right' }, { header: 'Attack', weight: 1.1 }, { header: 'Origin', weight: 1 },
    { header: 'Parameters', weight: 2.6, font: 'mono' }, { header: 'Attacked', weight: 0.85, align: 'right' },
    { header: 'Broken', weight: 0.75, align: 'right' }, { header: 'Robust after (CI)', weight: 1.1, align: 'right' }, { header: 'Time', weight: 0.75, align: 'right' },
  ], r.stages.slice(0, k).map((s, i) => [
    String(i + 1), s.attack, s.origin, params(s.params, 240), int(s.attacked), int(s.broken), pctCI(s.robustAccuracyAfter, s.robustAccuracyAfterInterval), seconds(s.seconds),
  ]), { fontSize: 7.5 });
  if (r.stages.length > k) L.caption(`First ${k} of ${r.stages.length} stages.`);

  L.heading('ε sweep', 2);
  const sweep = [...r.sweep.points].sort((a, b) => a.eps - b.eps);
  L.table([
    { header: 'ε', weight: 0.8, align: 'right' }, { header: 'Robust accuracy (CI)', weight: 1.5, align: 'right' },
    { header: 'Minimal-norm bound', weight: 1.3, align: 'right' }, { header: 'Attacks', weight: 3.5 },
  ], [['0 (clean)', pctCI(r.cleanAccuracy, r.cleanAccuracyInterval), '—', 'none'], ...sweep.slice(0, k).map((p) => [num(p.eps), pctCI(p.robustAccuracy, p.robustAccuracyInterval), pct(p.minimalNormBound), p.attacks.join(', ')])], { fontSize: 8 });
  const mn = r.sweep.minimalNorms;
  L.paragraph(mn
    ? `Minimal norms: ${mn.attack} (${params(mn.params, 200)}) on ${int(mn.n)} clean-correct points, an adversarial example found for ${int(mn.found)}; quantiles p10 ${num(mn.quantiles.p10)}, p25 ${num(mn.quantiles.p25)}, p50 ${num(mn.quantiles.p50)}, p75 ${num(mn.quantiles.p75)}, p90 ${num(mn.quantiles.p90)}; mean ${num(mn.mean)}.`
    : 'Minimal norms: not measured.', { size: 8.5 });

  L.heading('Policy gate', 2);
  if (!r.gate) L.paragraph('The policy gate did not run.', { color: COLORS.muted });
  else {
    const rules = [...r.gate.rules].sort((a, b) => Number(a.passed) - Number(b.passed));
    L.paragraph(`Policy '${r.gate.policy.name}'${r.gate.policy.sha256 ? ` (SHA-256 ${r.gate.policy.sha256})` : ' (built-in default)'}: verdict ${r.gate.verdict}. A requirement the audit did not measure fails. ${r.gate.confidence !== null ? `Thresholds were applied to the bounds of the ${pct(r.gate.confidence, 0)} confidence intervals (lower bound for a minimum, upper bound for a maximum).` : 'Thresholds were applied to the point estimates.'}${r.gate.note ? ` ${r.gate.note}.` : ''}`, { size: 8.5 });
    L.table([
      { header: 'Rule', weight: 1.6 }, { header: 'Result', weight: 0.6 }, { header: 'Measured (CI)', weight: 1.2 },
      { header: 'Compared', weight: 0.8 }, { header: 'Threshold', weight: 0.9 }, { header: 'Message', weight: 2.4 },
    ], rules.slice(0, k).map((g) => [g.rule, g.passed ? 'pass' : 'FAIL', measuredCell(g), COMPARED[g.compared ?? 'none'], thresholdCell(g), g.message]),
    { fontSize: 7.5, rowColor: (i) => (rules[i].passed ? undefined : COLORS.fail) });
    if (rules.length > k) L.caption(`${k} of ${rules.length} rules shown (failed rules first).`);
  }

  L.heading('References', 2);
  for (const ref of REFERENCES) L.paragraph(`[${ref.key}] ${ref.text}`, { size: 8.5, gap: 2 });
}
