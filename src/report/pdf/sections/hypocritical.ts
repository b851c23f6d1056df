/** Hypocritical risk (Tao et al. 2022, arXiv:2107.07759): could small changes make wrong answers look right? */
import { COLORS, Layout } from '../layout';
import { int, num, pct, pctCI, plural, seconds } from '../text';
import type { RenderContext } from './context';

/** Per-class rows, highest risk first (then more fixable, then lower label), top k. */
export function hypocriticalRows(ctx: RenderContext): { rows: string[][]; total: number } {
  const h = ctx.report.hypocritical;
  if (!h) return { rows: [], total: 0 };
  const sorted = [...h.perClass].sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1) || b.fixable - a.fixable || a.label - b.label);
  return {
    rows: sorted.slice(0, ctx.maxTableRows).map((c) => [String(c.label), int(c.n), int(c.misclassified), int(c.fixable), c.riskInterval ? pctCI(c.risk, c.riskInterval) : pct(c.risk)]),
    total: h.perClass.length,
  };
}

/** Draws the hypocritical-risk section. */
export function hypocriticalSection(L: Layout, ctx: RenderContext): void {
  const h = ctx.report.hypocritical;
  L.heading('Hypocritical risk', 1);
  L.paragraph('A "false friend" who supplies or prepares the test images can nudge the images the model gets wrong, within the same small budget an attacker has, until the model gets them right — making a weak model look accurate. The hypocritical risk is the share of test points where such a nudge works (Tao et al. 2022).');
  if (!h) {
    L.paragraph('Not measured in this audit.', { color: COLORS.muted });
    return;
  }
  L.keyValues([
    ['Budget', `ε = ${num(h.eps)} (attack ${h.attack})`],
    ['Misclassified points', int(h.misclassified)],
    ['Fixable by a false friend', `${int(h.fixable)} (risk ${pctCI(h.risk, h.riskInterval)} of all points)`],
    ['Accuracy a false friend could show', pctCI(h.fakedAccuracy, h.fakedAccuracyInterval)],
    ['Substandard below', `${pct(h.substandardBelow)} clean accuracy — this model is ${h.substandard ? '' : 'not '}substandard`],
    ['Fakeable', h.fakeable ? 'YES: a substandard model could be made to look acceptable' : 'no'],
    ['Time', seconds(h.seconds)],
  ], { keyWidth: 160 });
  const { rows, total } = hypocriticalRows(ctx);
  L.space(4);
  L.table([
    { header: 'Class', weight: 1, align: 'right' }, { header: 'Points', weight: 1, align: 'right' },
    { header: 'Misclassified', weight: 1.3, align: 'right' }, { header: 'Fixable', weight: 1, align: 'right' }, { header: 'Risk', weight: 1.8, align: 'right' },
  ], rows);
  L.caption(`Per class, highest risk first${total > rows.length ? `; ${rows.length} of ${plural(total, 'class', 'classes')} shown` : ''}. Brackets and parentheses: exact ${pct(ctx.report.intervals.level, 0)} Clopper–Pearson intervals. Data: report.hypocritical.perClass.`);
}
