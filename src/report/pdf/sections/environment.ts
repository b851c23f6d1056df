/** The environment the audit ran in, and its timings. */
import { Layout } from '../layout';
import { seconds } from '../text';
import type { RenderContext } from './context';

/** Draws the environment section. */
export function environmentSection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  const e = r.environment;
  L.heading('Environment', 1);
  L.keyValues([
    ['Gauntlet', e.gauntlet],
    ['ONNX Runtime', `${e.onnxruntime} (execution provider ${e.provider})`],
    ['Node.js', e.node],
    ['Platform', `${e.platform} ${e.arch}`],
    ['CPU', `${e.cpus} × ${e.cpu}`],
    ['GPU', e.gpu ?? 'none'],
    ['Resumed', r.resumed ? `${r.resumed} time(s) from a checkpoint` : 'no (uninterrupted run)'],
  ]);
  const timings = Object.entries(r.timings).slice(0, ctx.maxTableRows);
  if (timings.length) {
    L.heading('Timings', 2);
    L.keyValues(timings.map(([k, v]) => [k, seconds(v)] as [string, string]));
  }
}
