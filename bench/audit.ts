/**
 * `npm run bench:audit`: the audit on the fixture CNN and its masked variants, in one run, so the
 * "masking is seen through" figures of docs/audit.md are reproducible.
 *
 * For every model (default: cnn, cnn_softmax, cnn_x1000, cnn_round255, cnn_round4, cnn_noise,
 * undertrained) it runs `gauntlet audit` (the built CLI, one child process each, as a user would)
 * on the first `--n` points (default 500) of fixtures/data/mnist-eval.npz at L∞ ε = `--eps`
 * (default 0.1) with `--preset` (default quick) and `--seed` (default 0), and prints one table row:
 * clean and robust accuracy, the difference to the plain CNN, adaptations, flags, hypocritical
 * risk, seconds; plus the PyTorch reference figures of fixtures/reference/audit.json where they exist
 * (reference robust accuracy on the same first n points).
 *
 * Options (after `--`): --n N  --eps E  --preset P  --seed S  --models a,b  --json FILE
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Report } from '../src/schema/report';

const ROOT = path.resolve(__dirname, '..', '..');
const MODELS: Record<string, string> = {
  cnn: 'fixtures/models/cnn.onnx',
  cnn_softmax: 'fixtures/models/cnn_softmax.onnx',
  cnn_x1000: 'fixtures/audit/models/cnn_x1000.onnx',
  cnn_round255: 'fixtures/audit/models/cnn_round255.onnx',
  cnn_round4: 'fixtures/audit/models/cnn_round4.onnx',
  cnn_noise: 'fixtures/audit/models/cnn_noise.onnx',
  undertrained: 'fixtures/audit/models/undertrained.onnx',
};

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

interface RefRun { model: string; attack?: string; eps: number; seed?: number; robust?: number[]; robust_accuracy?: number }

/** Reference robust accuracy per model over the first n points (min over seeds), from fixtures/reference/audit.json. */
function references(n: number, eps: number): Map<string, string> {
  const p = path.join(ROOT, 'fixtures', 'reference', 'audit.json');
  const out = new Map<string, string>();
  if (!existsSync(p)) return out;
  const runs = ((JSON.parse(readFileSync(p, 'utf8')) as { runs?: RefRun[] }).runs ?? []);
  const best = new Map<string, { attack: string; ra: number }>();
  for (const r of runs) {
    if (Math.abs(r.eps - eps) > 1e-12 || !Array.isArray(r.robust)) continue;
    const ra = r.robust.slice(0, n).reduce((s, v) => s + v, 0) / Math.min(n, r.robust.length);
    const key = `${r.model}/${r.attack}`;
    const prev = best.get(key);
    if (!prev || ra < prev.ra) best.set(key, { attack: r.attack ?? '?', ra });
  }
  for (const [key, v] of best) {
    const model = key.split('/')[0];
    out.set(model, `${out.get(model) ? `${out.get(model)}; ` : ''}${v.attack} ${(100 * v.ra).toFixed(1)}%`);
  }
  return out;
}

function main(): void {
  const n = Number(arg('n', '500'));
  const eps = Number(arg('eps', '0.1'));
  const preset = arg('preset', 'quick');
  const seed = arg('seed', '0');
  const names = arg('models', Object.keys(MODELS).join(',')).split(',');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-audit-'));
  const refs = references(n, eps);
  const rows: Record<string, unknown>[] = [];
  let base: number | undefined;
  console.log(`bench:audit — ${preset} preset, first ${n} points, linf ε=${eps}, seed ${seed}; ${os.cpus().length} cores (${os.cpus()[0]?.model}), load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);
  console.log('| model | clean | robust | Δ vs cnn | adaptations | flags | hypocritical risk | torch reference (same points, min over seeds) | s |');
  console.log('|---|---:|---:|---:|---|---|---:|---|---:|');
  for (const name of names) {
    const model = MODELS[name];
    if (!model) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
    const out = path.join(tmp, name);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'gauntlet.js'), 'audit', path.join(ROOT, model), '--data', path.join(ROOT, 'fixtures/data/mnist-eval.npz'),
      '--n', String(n), '--eps', String(eps), '--preset', preset, '--seed', seed, '--out', out], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${name}: audit failed (${r.status}): ${r.stderr}`);
    const rep = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    if (name === 'cnn') base = rep.robustAccuracy;
    const delta = base === undefined || name === 'cnn' ? '' : `${(100 * (rep.robustAccuracy - base)).toFixed(1)}`;
    const row = {
      model: name, clean: rep.cleanAccuracy, robust: rep.robustAccuracy, delta, adaptations: rep.adaptations.map((a) => a.id),
      flags: rep.flags, hypocriticalRisk: rep.hypocritical?.risk ?? null, reference: refs.get(name) ?? '', seconds: (Date.now() - t0) / 1000,
    };
    rows.push(row);
    console.log(`| ${name} | ${(100 * row.clean).toFixed(1)}% | ${(100 * row.robust).toFixed(1)}% | ${delta} | ${row.adaptations.join(', ') || '—'} | ${row.flags.join(', ') || '—'} | ${row.hypocriticalRisk === null ? '—' : `${(100 * row.hypocriticalRisk).toFixed(1)}%`} | ${row.reference || '—'} | ${row.seconds.toFixed(0)} |`);
  }
  const json = arg('json', '');
  if (json) writeFileSync(json, `${JSON.stringify({ n, eps, preset, seed, rows }, null, 2)}\n`);
}

main();
