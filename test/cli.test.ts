/** The `gauntlet` CLI, run in-process through main(): outputs, files written, exit codes. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpz } from '../src/data';
import { fixturePath } from './support/fixtures';
import { runCli } from './support/cli';

const MODEL = fixturePath('models/cnn.onnx');
const DATA = fixturePath('data/mnist-eval.npz');

const run = runCli;

describe('gauntlet CLI', () => {
  describe('bring-your-own-model: a model that is not ONNX', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gauntlet-byom-'));
    const file = (name: string, bytes: Uint8Array | string) => { const p = join(tmp, name); writeFileSync(p, bytes); return p; };
    const savedModel = join(tmp, 'export');
    mkdirSync(savedModel);
    writeFileSync(join(savedModel, 'saved_model.pb'), 'not really');
    const st = (() => { const h = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'; const b = Buffer.alloc(8 + h.length + 4); b.writeBigUInt64LE(BigInt(h.length)); b.write(h, 8); return b; })();
    it.each([
      ['a .pt file', () => file('model.pt', 'x'), /model\.pt is a PyTorch checkpoint/],
      ['a .pth file', () => file('model.pth', 'x'), /PyTorch checkpoint/],
      ['a .safetensors file', () => file('model.safetensors', st), /a safetensors weights file/],
      ['a .h5 file', () => file('model.h5', 'x'), /Keras\/HDF5/],
      ['a .keras file', () => file('model.keras', 'x'), /a Keras model \(\.keras\)/],
      ['a SavedModel folder', () => savedModel, /export is a TensorFlow SavedModel folder/],
      ['HDF5 bytes under another name', () => file('model-h5.bin', Buffer.from('\x89HDF\r\n\x1a\n\0\0\0\0', 'latin1')), /Keras\/HDF5/],
      ['a PyTorch zip under another name', () => file('model-pt.bin', Buffer.from('PK\x03\x04\0\0\0\0\0\0archive/data.pkl', 'latin1')), /PyTorch checkpoint/],
      ['safetensors under another name', () => file('weights.bin', st), /safetensors/],
    ])('when the model is %s then one line names the format and points to docs/bring-your-own-model.md (exit 2)', async (_, path, format) => {
      const r = await run(['predict', path(), '--data', DATA]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(format);
      expect(r.err).toMatch(/not an ONNX model; export it to ONNX first .*torch\.onnx\.export.*tf2onnx.* see docs\/bring-your-own-model\.md\n$/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    });
  });

  it('when audit --help runs then it lists the choices of every enumerated option and explains the units of ε', async () => {
    const r = await run(['audit', '--help']);
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toMatch(/--norm <norm> .*\(choices: "linf", "l2"\)/);
    expect(help).toMatch(/--preset <name> .*\(choices: "quick", "standard", "thorough"\)/);
    expect(help).toMatch(/--provider <name> .*\(choices: "cpu", "cuda", "webgpu"/);
    expect(help).toMatch(/--eps <eps> .*8\/255.* units of the input box: the same units as x, lower and upper/);
    expect(help).toMatch(/130 interrupted/);
    for (const cmd of [['grad', /--loss <kind> .*\(choices: "ce", "cw", "dlr"/], ['attack', /--attack <name> .*\(choices: "fgsm"/], ['predict', /--provider <name> .*\(choices:/]] as const) {
      expect((await run([cmd[0], '--help'])).out.replace(/\s+/g, ' ')).toMatch(cmd[1]);
    }
  });

  it('when --eps is a fraction with a zero denominator then usage error, exit 2', async () => {
    const r = await run(['audit', MODEL, '--data', DATA, '--eps', '8/0', '--out', join(tmpdir(), 'never-written')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/eps '8\/0' divides by zero/);
  });

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
