/**
 * Example images: original, scaled perturbation, adversarial, each labelled; or a table of broken
 * points when none are given. Vector inputs ([D]) are drawn as strips of D grey cells, at least
 * STRIP points high.
 */
import { checkExample, examplePanels, panelPng } from '../examples';
import { COLORS, Layout } from '../layout';
import { num, plural } from '../text';
import type { RenderContext } from './context';

/** Examples drawn at most (three panels each). */
export const MAX_EXAMPLES = 12;

const PANEL = 96;
/** Least height of a panel, points: a 1 × D strip (vector input) or a very wide image stays visible. */
const STRIP = 14;

/** Draws the example-images section. */
export function examplesSection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  L.heading('Adversarial examples', 1);
  const limit = Math.min(MAX_EXAMPLES, ctx.maxTableRows);
  const nm = r.threat.norm === 'linf' ? '‖δ‖∞' : '‖δ‖₂';
  if (ctx.examples.length === 0) {
    const broken = r.points.brokenBy.flatMap((s, i) => (s >= 0 ? [i] : []));
    L.paragraph(`No example images were supplied to the renderer. ${broken.length ? `The ${plural(broken.length, 'broken point')} of the report${broken.length > ctx.maxTableRows ? ` (first ${ctx.maxTableRows} shown)` : ''}:` : 'No point was broken.'}`);
    if (broken.length) {
      L.table([
        { header: 'Point', weight: 1, align: 'right' }, { header: 'True class', weight: 1, align: 'right' },
        { header: 'Adversarial class', weight: 1.3, align: 'right' }, { header: 'Broken by', weight: 2 }, { header: nm, weight: 1, align: 'right' },
      ], broken.slice(0, ctx.maxTableRows).map((i) => [
        String(i), String(r.points.label[i]), String(r.points.advPred[i]),
        r.stages[r.points.brokenBy[i]]?.attack ?? `stage #${r.points.brokenBy[i]} (not in report.stages)`, num(r.points.perturbationNorm[i]),
      ]));
    }
    return;
  }
  const shown = ctx.examples.slice(0, limit);
  const vector = shown.length > 0 && shown[0].shape.length === 1;
  const what = vector ? 'input' : 'image';
  const strips = vector ? ` The model's inputs are vectors of ${shown[0].shape[0]} values, each drawn as a strip of grey cells from the first value (left) to the last, on the display range of the example.` : '';
  L.paragraph(`Each row: the original ${what} with its true class, the perturbation δ = x_adv − x scaled to the full grey range (mid-grey = no change, black/white = the largest change, ±max|δ|), and the adversarial ${what} with the class the model predicts for it.${strips} ${ctx.examples.length > shown.length ? `Showing ${shown.length} of ${ctx.examples.length} examples.` : `${plural(shown.length, 'example')}.`}`, { keep: PANEL + 40 }); // kept with the first row of images
  shown.forEach((e, k) => {
    const g = checkExample(e, k);
    const p = examplePanels(e, g);
    const scale = g.h / g.w;
    const pw = scale > 1 ? PANEL / scale : PANEL, ph = Math.max(STRIP, scale > 1 ? PANEL : PANEL * scale);
    const rowH = ph + 40;
    L.block(rowH, (x, y, w) => {
      L.font('bold', 8.5).doc.text(`Point ${e.index} — ${e.attack}, ${nm} = ${num(e.norm)}`, x, y, { width: w, height: 11, ellipsis: true, lineBreak: false });
      const gap = (w - 3 * pw) / 4;
      const panels: [Uint8Array, string][] = [
        [p.original, `original: class ${e.label}`],
        [p.perturbation, `perturbation (±${num(p.maxAbs, 3)})`],
        [p.adversarial, `adversarial: predicted ${e.advPred}`],
      ];
      panels.forEach(([px, label], j) => {
        const px0 = x + gap + j * (pw + gap);
        L.doc.image(panelPng(px, g), px0, y + 13, { width: pw, height: ph });
        L.doc.rect(px0, y + 13, pw, ph).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
        L.font('regular', 7.5, j === 2 ? COLORS.fail : COLORS.text);
        const tw = Math.min(L.doc.widthOfString(label), pw + gap);
        L.doc.text(label, px0 + pw / 2 - tw / 2, y + 16 + ph, { width: tw + 1, height: 10, ellipsis: true, lineBreak: false });
      });
    }, `Point ${e.index}: original ${g.strip ? 'input' : 'image'} of class ${e.label}, the perturbation (${e.attack}, ${nm} = ${num(e.norm)}), and the adversarial ${g.strip ? 'input' : 'image'}, predicted ${e.advPred}.`);
  });
}
