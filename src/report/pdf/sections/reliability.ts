/**
 * Reliability checks (Carlini et al. 2019, arXiv:1902.06705; AutoAttack's checks.py) and the
 * adaptations applied to the battery, each with a plain sentence, the technical message and the
 * evidence numbers; then the data-integrity comparison when it ran.
 */
import type { Check } from '../../../schema/report';
import { explainAdaptation, explainCheck } from '../explain';
import { COLORS, Layout } from '../layout';
import { evidenceValue, int, num, pct } from '../text';
import type { RenderContext } from './context';

const STATUS: Record<Check['status'], { word: string; color: string }> = {
  pass: { word: 'PASS', color: COLORS.pass },
  flag: { word: 'FLAG', color: COLORS.fail },
  skipped: { word: 'SKIPPED', color: COLORS.muted },
};

/** Evidence as "key = value; …" (empty string when there is none). */
export function evidenceLine(e: Check['evidence']): string {
  return Object.entries(e).map(([k, v]) => `${k} = ${evidenceValue(v)}`).join('; ');
}

/** Draws the reliability section. */
export function reliabilitySection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  L.heading('Reliability checks', 1);
  L.paragraph('A robustness figure is only as good as the attacks behind it: a model can look robust because it hides its weaknesses from the attacks rather than because it has none. Each check below looks for one known symptom of such an unreliable evaluation.');
  // Flags first, then passes, then skipped; stable within a group.
  const order = { flag: 0, pass: 1, skipped: 2 } as const;
  const checks = [...r.checks].sort((a, b) => order[a.status] - order[b.status]);
  for (const c of checks) {
    const s = STATUS[c.status];
    L.heading(`${c.title}`, 3);
    L.paragraph(`${s.word} · ${c.id}`, { font: 'bold', size: 8, color: s.color, gap: 2 });
    L.paragraph(explainCheck(c), { gap: 2 });
    L.paragraph(`Technical: ${c.message}`, { size: 8, color: COLORS.muted, gap: 1 });
    const ev = evidenceLine(c.evidence);
    if (ev) L.paragraph(`Evidence: ${ev}`, { size: 8, color: COLORS.muted, gap: 4 });
  }
  if (r.checks.length === 0) L.paragraph('No check ran.', { color: COLORS.muted });

  L.heading('Adaptations applied', 2);
  if (r.adaptations.length === 0) {
    L.paragraph('None: the model showed no property (randomness, rounding, probability outputs, saturated scores) that required changing the standard attacks.');
  }
  for (const a of r.adaptations) {
    L.heading(a.id, 3);
    L.paragraph(explainAdaptation(a), { gap: 2 });
    L.paragraph(`Trigger: ${a.trigger}`, { size: 8, color: COLORS.muted, gap: 1 });
    L.paragraph(`Reason: ${a.reason}`, { size: 8, color: COLORS.muted, gap: 1 });
    L.paragraph(`Effect: ${a.effect}`, { size: 8, color: COLORS.muted, gap: 4 });
  }

  const i = r.integrity;
  if (i) {
    L.heading('Evaluation-data integrity', 2);
    L.paragraph(i.message, { gap: 4 });
    L.table([
      { header: 'Set', weight: 2 }, { header: 'Points', weight: 1, align: 'right' }, { header: 'Accuracy', weight: 1, align: 'right' },
      { header: 'Mean confidence', weight: 1.3, align: 'right' }, { header: 'Median margin', weight: 1.3, align: 'right' },
    ], [
      ['supplied data', int(i.owner.n), pct(i.owner.accuracy), pct(i.owner.meanConfidence), num(i.owner.medianMargin)],
      [`reference ${i.reference.name}`, int(i.referenceStats.n), pct(i.referenceStats.accuracy), pct(i.referenceStats.meanConfidence), num(i.referenceStats.medianMargin)],
    ]);
    L.caption(`One-sided two-sample Kolmogorov–Smirnov test on the logit margins: statistic ${num(i.ks.statistic, 3)}, p = ${num(i.ks.pValue, 3)}; ${i.flagged ? 'flagged' : 'not flagged'}. Reference SHA-256 ${i.reference.sha256}.`);
  }
}
