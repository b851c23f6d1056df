/**
 * The CLI applies the decode limits before allocating (issue 12: `gauntlet` used 5.6 GB and 150 s
 * decoding a 60 MB hostile model before rejecting it). The model is generated into a temp folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';
import { fixturePath } from './support/fixtures';
import { emptyNodesModel } from './support/hostile-resources';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('when `gauntlet predict` is given a 60 MB model of 30 M empty nodes, then it exits 2 naming the limit, quickly and without decoding', async () => {
  const model = join(dir, 'nodes.onnx');
  writeFileSync(model, emptyNodesModel(60e6));
  const rssBefore = process.memoryUsage().rss;
  const t = Date.now();
  const r = await runCli(['predict', model, '--data', fixturePath('data/mnist-eval.npz')]);
  const ms = Date.now() - t;
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/more than 500000 nodes/);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  // measured (2 shared cores, other jobs running): 4.3 s, nearly all of it starting the model worker
  // thread; the refusal itself takes ≈ 25 ms (prescan.test.ts). RSS grew by ≈ 10 MiB.
  expect(ms).toBeLessThan(30_000);
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 ** 3);
}, 60_000);
