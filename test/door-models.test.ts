/**
 * Refuse at the door what cannot be audited (issue 12): outputs that are not [N, K], several
 * outputs without a choice, one class, NaN logits on any sample — each refused with a
 * ModelError (HTTP 422) that names the output, its shape or the sample, when the model is
 * loaded or inspected, instead of an audit that is signed on the wrong figures or fails late.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpz } from '../src/data';
import { ModelError } from '../src/errors';
import { finiteCleanPredictions } from '../src/audit/finite-logits';
import { AuditConfigSchema } from '../src/jobs/spec';
import { UploadRejected, inspectUploads } from '../src/jobs/inspect';
import { loadModel } from '../src/model/load';
import { linearBytes, nanOnNegative, reshapedOutput, twoOutputs } from './support/door-models';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-door-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(bytes: Uint8Array, output?: string): Promise<ModelError> {
  let caught: unknown;
  try {
    const m = await loadModel(bytes, { inProcess: true, threads: 1, output });
    await m.close();
  } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(ModelError);
  expect((caught as ModelError).httpStatus).toBe(422);
  return caught as ModelError;
}

describe('class scores must be [N, K]', () => {
  it('when the output is [N, 5, 2] then it is refused naming the output and its shape (not audited as 10 classes)', async () => {
    const e = await loadError(reshapedOutput([-1, 5, 2]));
    expect(e.message).toMatch(/^the model's output 'out' has shape \[N, 5, 2\]; class scores must be \[N, K\]/);
  });

  it('when a softmax over [N, 5, 2] is reshaped to [N, 10] then the logits behind the stripped softmax are refused', async () => {
    const e = await loadError(reshapedOutput([-1, 5, 2], true, [-1, 10]));
    expect(e.message).toMatch(/output 'grid' \(the input of the trailing Softmax\) has shape \[N, 5, 2\]/);
  });

  it('when extra dimensions are 1 ([N, 10, 1, 1]) then the model loads with 10 classes', async () => {
    const m = await loadModel(reshapedOutput([-1, 10, 1, 1]), { inProcess: true, threads: 1 });
    expect(m.info.numClasses).toBe(10);
    await m.close();
  });

  it('when the output has one class then it is refused naming the output shape', async () => {
    const e = await loadError(linearBytes(1, 4));
    expect(e.message).toMatch(/the model's output 'scores' has shape \[N, 1\]; at least 2 class scores are required/);
  });
});

describe('several outputs need an explicit choice', () => {
  it('when none is named then the error lists the outputs and how to choose', async () => {
    const e = await loadError(twoOutputs());
    expect(e.message).toBe(`the model has 2 outputs ('features' [N, 4], 'scores' [N, 3]); name the one that holds the class scores (job config "output", CLI --logits NAME)`);
  });

  it('when one is named then that output is audited (not the first)', async () => {
    const m = await loadModel(twoOutputs(), { inProcess: true, threads: 1, output: 'scores' });
    expect(m.info).toMatchObject({ numClasses: 3, output: 'scores' });
    const z = await m.predict(Float32Array.of(1, 2, 3, 4), 1);
    expect(z.length).toBe(3);
    await m.close();
  });

  it('when the named output does not exist then the error lists the outputs', async () => {
    const e = await loadError(twoOutputs(), 'logits');
    expect(e.message).toBe("the model has no output 'logits'; its outputs: 'features' [N, 4], 'scores' [N, 3]");
  });

  it('the job config accepts `output` (and the strict schema still refuses unknown keys)', () => {
    expect(AuditConfigSchema.parse({ eps: 0.1, output: 'scores' }).output).toBe('scores');
    expect(AuditConfigSchema.safeParse({ eps: 0.1, outputName: 'scores' }).success).toBe(false);
  });
});

describe('NaN or infinite logits on any sample', () => {
  const x = new Float32Array(20 * 4).fill(0.5);
  x[17 * 4 + 2] = -1; // sample 17 only: Sqrt(−1) = NaN

  it('when sample 17 (not the first) has NaN logits then the clean predictions fail naming it', async () => {
    const m = await loadModel(nanOnNegative(), { inProcess: true, threads: 1 });
    try {
      await expect(finiteCleanPredictions(m, x, 20, 8)).rejects.toThrow(/^the model's logits are NaN for sample 17 \(class 0\); Gauntlet audits models with finite logits on every sample$/);
      await expect(finiteCleanPredictions(m, x.subarray(0, 17 * 4), 17)).resolves.toHaveLength(17);
    } finally {
      await m.close();
    }
  });

  it('when an upload has NaN logits on sample 17 then the inspection rejects it with 422 naming the sample', async () => {
    const model = join(dir, 'nan.onnx');
    const data = join(dir, 'nan.npz');
    writeFileSync(model, nanOnNegative());
    writeFileSync(data, writeNpz({
      x: { dtype: 'float32', shape: [20, 4], data: new Float32Array(80).fill(0.5) },
      y: { dtype: 'int64', shape: [20], data: new BigInt64Array(20) },
    }));
    await expect(inspectUploads({ modelPath: model, dataPath: data, reference: null })).resolves.toBeDefined(); // finite everywhere
    // The default box is [0, 1]: explicit bounds let sample 17 hold −1.
    writeFileSync(data, writeNpz({
      x: { dtype: 'float32', shape: [20, 4], data: x },
      y: { dtype: 'int64', shape: [20], data: new BigInt64Array(20) },
      lower: { dtype: 'float32', shape: [20, 4], data: new Float32Array(80).fill(-1) },
      upper: { dtype: 'float32', shape: [20, 4], data: new Float32Array(80).fill(1) },
    }));
    let caught: unknown;
    try { await inspectUploads({ modelPath: model, dataPath: data, reference: null }); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(UploadRejected);
    expect(caught).toMatchObject({ httpStatus: 422, field: 'model', message: expect.stringMatching(/logits are NaN for sample 17 \(class 0\)/) });
  }, 60_000);

  it('when the upload has two outputs and the request names one then the inspection accepts it', async () => {
    const model = join(dir, 'two.onnx');
    writeFileSync(model, twoOutputs());
    const data = join(dir, 'two.npz');
    writeFileSync(data, writeNpz({ x: { dtype: 'float32', shape: [3, 4], data: new Float32Array(12).fill(0.5) }, y: { dtype: 'int64', shape: [3], data: new BigInt64Array(3) } }));
    await expect(inspectUploads({ modelPath: model, dataPath: data, reference: null })).rejects.toThrow(/has 2 outputs/);
    await expect(inspectUploads({ modelPath: model, dataPath: data, reference: null, output: 'scores' })).resolves.toMatchObject({ model: { numClasses: 3 } });
  }, 60_000);
});
