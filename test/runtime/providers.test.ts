/** Execution providers: unavailable ones fail with ProviderError that says what to do. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { ProviderError } from '../../src/errors';
import { loadModel } from '../../src/model/load';
import { availableProviders } from '../../src/runtime/providers';
import { Session } from '../../src/runtime/session';

const cnnBytes = readFileSync(join(__dirname, '..', '..', 'fixtures', 'models', 'cnn.onnx'));

describe('execution providers', () => {
  test('when listing then cpu is always available', () => {
    expect(availableProviders()).toContain('cpu');
  });

  // This machine has no GPU and the CUDA provider libraries are not installed (.npmrc skips them).
  const noCuda = !availableProviders().includes('cuda');
  (noCuda ? test : test.skip)('when cuda is requested without CUDA libraries then ProviderError names what is available and how to install', async () => {
    for (const inProcess of [true, false]) {
      const e = await loadModel(cnnBytes, { provider: 'cuda', inProcess }).catch((err) => err);
      expect(e).toBeInstanceOf(ProviderError);
      expect(e.code).toBe('provider_unavailable');
      expect(e.message).toMatch(/'cuda' is not available.*available: cpu/);
      expect(e.message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    }
    await expect(Session.create(cnnBytes, { provider: 'cuda' })).rejects.toBeInstanceOf(ProviderError);
  });

  test('when an unknown provider is requested then ProviderError lists the accepted ones', async () => {
    await expect(loadModel(cnnBytes, { provider: 'tpu' as 'cpu' })).rejects.toThrow(/accepted: cpu, cuda, webgpu/);
  });
});
