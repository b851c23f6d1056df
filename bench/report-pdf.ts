/**
 * `npm run bench:pdf`: render time and size of the PDF report for large synthetic reports — the
 * real demo report (src/report/pdf/testing/demo-report.json) stretched by scaleReport to 10k
 * points × 100 classes (issue 5's benchmark) and 10k × 1000 classes, with 12 example images of
 * 28×28 — plus the demo report itself. Prints one row per case (median of --runs renders after
 * one warm-up: fonts are read and parsed once per process). No timed assertion: figures go to
 * docs/report-pdf.md.
 *
 * Options (after `--`): --runs N (default 3)
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AdversarialExample, renderReportPdf } from '../src/report/pdf';
import { scaleReport } from '../src/report/pdf/synthetic';
import { Report, validateReport } from '../src/schema/report';

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** k 28×28 greyscale examples with a ±ε checkerboard perturbation (images only; not real attacks). */
function examples(r: Report, k: number): AdversarialExample[] {
  return Array.from({ length: k }, (_, j) => {
    const x = Float32Array.from({ length: 784 }, (_, i) => ((i * (j + 3)) % 97) / 97);
    const xAdv = x.map((v, i) => Math.min(1, Math.max(0, v + ((i + (i / 28 | 0)) % 2 ? r.threat.eps : -r.threat.eps))));
    return { index: j, label: r.points.label[j], advPred: r.points.advPred[j], attack: 'apgd-ce', norm: r.threat.eps, x, xAdv, shape: [1, 28, 28] };
  });
}

function pages(pdf: Uint8Array): number {
  return Number(Buffer.from(pdf).toString('latin1').match(/\/Type \/Pages\s*\/Count (\d+)/)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('runs', '3')));
  const demo = validateReport(JSON.parse(readFileSync(path.join(ROOT, 'src', 'report', 'pdf', 'testing', 'demo-report.json'), 'utf8')));
  const cases: [string, () => Report, number][] = [
    ['demo report (60 points, 10 classes)', () => demo, 0],
    ['10k points, 100 classes', () => scaleReport(demo, { points: 10_000, classes: 100, seed: 1 }), 12],
    ['10k points, 1000 classes', () => scaleReport(demo, { points: 10_000, classes: 1000, seed: 1 }), 12],
  ];
  await renderReportPdf(demo); // warm-up: font files read and parsed once per process
  console.log(`PDF report benchmark (${runs} runs each, median), node ${process.version}`);
  console.log('case                                   build ms  render ms   pages        bytes');
  for (const [name, make, k] of cases) {
    const t0 = performance.now();
    const report = make();
    const build = performance.now() - t0;
    const ex = examples(report, k);
    const times: number[] = [];
    let pdf: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      pdf = await renderReportPdf(report, { examples: ex });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(`${name.padEnd(38)} ${build.toFixed(0).padStart(8)} ${median.toFixed(0).padStart(10)} ${String(pages(pdf)).padStart(7)} ${String(pdf.length).padStart(12)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
