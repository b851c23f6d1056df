/** The `gauntlet` CLI, run in-process through main(): outputs, files written, exit codes. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpz } from '../src/data';
import { fixturePath } from './support/fixtures';
import { runCli } from './support/cli';

const MODEL = fixturePath('models/cnn.onnx');
const DATA = fixturePath('data/mnist-eval.npz');

const run = runCli;

describe('gauntlet CLI', () => {
  it('when predict runs on the bundled CNN, then it prints the clean accuracy and exits 0', async () => {
    const r = await run(['predict', MODEL, '--data', DATA, '--n', '100', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ n: 100, num_classes: 10 });
    expect(j.accuracy).toBeGreaterThan(0.9);
  });

  it('when grad runs, then OUT.npz holds logits, loss and a gradient shaped like x', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gauntlet-')), 'g.npz');
    const r = await run(['grad', MODEL, '--data', DATA, '--n', '5', '--loss', 'cw', '--out', out]);
    expect(r.code).toBe(0);
    const a = readNpz(readFileSync(out));
    expect(a.get('logits')!.shape).toEqual([5, 10]);
    expect(a.get('loss')!.shape).toEqual([5]);
    expect(a.get('grad')!.shape).toEqual([5, 1, 28, 28]);
    expect(Array.from(a.get('grad')!.data as Float32Array).some((v) => v !== 0)).toBe(true);
  });

  it('when an option value is invalid, then usage goes to stderr and the exit code is 2', async () => {
    const r = await run(['grad', MODEL, '--data', DATA, '--loss', 'nope', '--out', '/tmp/x.npz']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected one of ce, cw, dlr/);
  });

  it('when a required option is missing, then the exit code is 2', async () => {
    expect((await run(['predict', MODEL])).code).toBe(2);
  });

  it('when the model file does not exist, then a one-line error and exit code 2, no stack trace', async () => {
    const r = await run(['predict', '/nonexistent/model.onnx', '--data', DATA]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read model file .*no such file/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('when the data does not fit the model, then the error names both shapes', async () => {
    const r = await run(['predict', MODEL, '--data', fixturePath('data/mnist-eval-nhwc.npz')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[28, 28, 1\].*\[1, 28, 28\]/);
  });

  it('when the provider is not installed, then a clear error and exit code 2', async () => {
    const r = await run(['predict', MODEL, '--data', DATA, '--provider', 'cuda']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cuda/);
  });
});
