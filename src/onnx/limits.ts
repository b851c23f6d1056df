/**
 * Bounds applied while decoding untrusted models, so that a hostile file gets a clear
 * error instead of exhausting memory.
 */
export interface DecodeLimits {
  /** Largest model file accepted, in bytes (protobuf itself caps messages at 2 GiB). */
  maxFileBytes: number;
  /** Largest element count of any one tensor. */
  maxTensorElements: number;
  /** Largest summed size of all initializers and constant attributes, in bytes. */
  maxTotalTensorBytes: number;
  /** Largest size of any declared dimension. */
  maxDim: number;
  /** Most nodes in the main graph and all subgraphs together. */
  maxNodes: number;
  /** Deepest nesting of subgraphs (If/Loop bodies). */
  maxGraphDepth: number;
  /**
   * Largest estimated memory of the decoded protobuf objects, bytes: checked by a pre-scan of the
   * wire format (prescan.ts) before the decoder allocates anything.
   */
  maxDecodedBytes: number;
}

export const DEFAULT_LIMITS: DecodeLimits = {
  maxFileBytes: 2 ** 31 - 1,
  maxTensorElements: 2 ** 28,
  maxTotalTensorBytes: 2 ** 31 - 1,
  maxDim: 2 ** 31 - 1,
  maxNodes: 500_000,
  maxGraphDepth: 8,
  maxDecodedBytes: 2 ** 30,
};
