/**
 * Execution-provider availability. onnxruntime-node lists 'cuda' among its backends even
 * when the CUDA provider libraries were never downloaded (this repo's .npmrc skips that
 * download), and 'webgpu' is bundled but needs a GPU adapter: this module turns both cases
 * into a ProviderError that says what is available and how to get the missing provider.
 */
import { existsSync, readdirSync } from 'fs';
import { dirname, join } from 'path';
import * as ort from 'onnxruntime-node';
import { ProviderError } from '../errors';

export type Provider = 'cpu' | 'cuda' | 'webgpu';
export const PROVIDERS: readonly Provider[] = ['cpu', 'cuda', 'webgpu'];

const INSTALL_HINT: Record<Exclude<Provider, 'cpu'>, string> = {
  cuda:
    'To use CUDA: on a Linux x64 host with an NVIDIA GPU, CUDA 12 and cuDNN 9, reinstall with ' +
    '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` (this repository\'s .npmrc skips the CUDA download by default).',
  webgpu:
    'WebGPU is bundled with onnxruntime-node on Windows, macOS and Linux x64, but needs a GPU adapter ' +
    '(on Linux: a Vulkan driver, libvulkan.so.1). Use --provider cpu otherwise.',
};

/** Directories that hold the native onnxruntime-node binding for this platform. */
function bindingDirs(): string[] {
  try {
    const root = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin');
    return readdirSync(root)
      .filter((d) => d.startsWith('napi-v'))
      .map((d) => join(root, d, process.platform, process.arch))
      .filter((d) => existsSync(d));
  } catch {
    return [];
  }
}

/** Whether the CUDA provider's shared library is present next to the binding. */
function cudaLibraryPresent(): boolean {
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return bindingDirs().some((d) => existsSync(join(d, lib)));
}

/**
 * Providers this host can plausibly start: 'cpu' always; 'cuda' when its libraries are
 * installed; 'webgpu' when bundled (whether an adapter exists is only known on first use).
 */
export function availableProviders(): Provider[] {
  const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
  const out: Provider[] = ['cpu'];
  if (listed.has('cuda') && cudaLibraryPresent()) out.push('cuda');
  if (listed.has('webgpu')) out.push('webgpu');
  return out;
}

/** Throws ProviderError (naming what is available and how to install) when `provider` cannot run here. */
export function assertProviderAvailable(provider: Provider): void {
  if (!PROVIDERS.includes(provider)) {
    throw new ProviderError(`unknown execution provider '${provider}'; accepted: ${PROVIDERS.join(', ')}`);
  }
  if (provider === 'cpu' || availableProviders().includes(provider)) return;
  throw new ProviderError(
    `execution provider '${provider}' is not available in this onnxruntime-node install ` +
      `(available: ${availableProviders().join(', ')}). ${INSTALL_HINT[provider]}`,
    { provider, available: availableProviders() },
  );
}

/** ProviderError for a provider that was available on paper but failed to start (e.g. no GPU adapter). */
export function providerStartFailure(provider: Exclude<Provider, 'cpu'>, ortMessage: string): ProviderError {
  const first = ortMessage.split('\n')[0].slice(0, 400);
  return new ProviderError(
    `execution provider '${provider}' failed to start: ${first}. ${INSTALL_HINT[provider]}`,
    { provider, available: availableProviders() },
  );
}
