/**
 * Refuse at the door, over HTTP (issue 12): an upload that could not be audited is answered 422
 * naming the model field and the reason (class scores not [N, K], one class, several outputs
 * without config.output, NaN logits on a sample) and creates no job; a 3-class vector-input model
 * with two outputs and config.output is accepted and its audit completes with a report.
 */
import { writeNpz } from '../src/data';
import { TestService, get, postForm, startTestService, waitForState } from './support/service';
import { linearBytes, nanOnNegative, reshapedOutput, twoOutputs } from './support/door-models';

jest.setTimeout(180_000);

let t: TestService;
let key: string;
beforeAll(async () => {
  t = await startTestService();
  key = t.key('door');
});
afterAll(async () => { await t?.close(); });

const D = 4, n = 20;
/** n samples of D features in [0, 1] (sample 17 at −0.5 in feature 1 when `negative17`), labels 0, box [−1, 1]. */
function data(negative17 = false): Uint8Array {
  const x = new Float32Array(n * D).map((_, i) => ((i * 37) % 11) / 11);
  if (negative17) x[17 * D + 1] = -0.5;
  return writeNpz({
    x: { dtype: 'float32', shape: [n, D], data: x }, y: { dtype: 'int64', shape: [n], data: new BigInt64Array(n) },
    lower: { dtype: 'float32', shape: [n, D], data: new Float32Array(n * D).fill(-1) },
    upper: { dtype: 'float32', shape: [n, D], data: new Float32Array(n * D).fill(1) },
  });
}

const CASES: [string, Uint8Array, RegExp, Record<string, unknown>?][] = [
  ['an [N, 5, 2] output', reshapedOutput([-1, 5, 2]), /output 'out' has shape \[N, 5, 2\]; class scores must be \[N, K\]/],
  ['a one-class output', linearBytes(1, D), /output 'scores' has shape \[N, 1\]; at least 2 class scores are required/],
  ['two outputs and no config.output', twoOutputs(), /the model has 2 outputs \('features' \[N, 4\], 'scores' \[N, 3\]\); name the one/],
  ['config.output naming no output', twoOutputs(), /the model has no output 'logits'; its outputs: 'features' \[N, 4\], 'scores' \[N, 3\]/, { output: 'logits' }],
  ['NaN logits on sample 17', nanOnNegative(3, D), /the model's logits are NaN for sample 17 \(class 0\)/],
];

describe('when an upload cannot be audited', () => {
  it.each(CASES)('%s → 422 on the model field, no job', async (why, model, detail, extra = {}) => {
    const before = (await get(`${t.url}/v1/audits`, key)).body;
    const r = await postForm(`${t.url}/v1/audits`, key, {
      model: { bytes: model, name: 'm.onnx' }, data: { bytes: data(why.startsWith('NaN')), name: 'd.npz' },
      config: JSON.stringify({ eps: 0.05, preset: 'quick', ...extra }),
    });
    expect({ status: r.status, field: r.body.field, code: r.body.type?.split('/').pop() }).toEqual({ status: 422, field: 'model', code: 'invalid_model' });
    expect(r.body.detail).toMatch(detail);
    expect(r.body.detail).not.toMatch(/blobs|gauntlet-svc-|\n/);
    expect((await get(`${t.url}/v1/audits`, key)).body).toEqual(before);
  });
});

describe('when the model has 3 classes, vector inputs and two outputs, and config.output names one', () => {
  it('the audit is accepted and completes, on that output, with the few-classes substitution and a PDF', async () => {
    const r = await postForm(`${t.url}/v1/audits`, key, {
      model: { bytes: twoOutputs(), name: 'two.onnx' }, data: { bytes: data(), name: 'd.npz' },
      config: JSON.stringify({ eps: 0.05, preset: 'quick', output: 'scores' }),
    });
    expect(r.status).toBe(202);
    const done = await waitForState(t.url, key, r.body.id, ['succeeded', 'failed'], 170_000);
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe('succeeded');
    const report = (await get(`${t.url}/v1/audits/${r.body.id}/report.json`, key)).body;
    expect(report.model).toMatchObject({ numClasses: 3, inputShape: [D], output: 'scores' });
    expect(report.adaptations.map((a: { id: string }) => a.id)).toContain('few-classes');
    const pdf = await get(`${t.url}/v1/audits/${r.body.id}/report.pdf`, key);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
