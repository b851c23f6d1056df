/**
 * A linear classifier z = W·x + b as an ONNX model, with its closed-form minimal adversarial
 * perturbation: to move x from class y to class j one needs (z_y − z_j)/‖w_y − w_j‖_*, where
 * ‖·‖_* is the dual norm (ℓ1 for an ℓ∞ threat, ℓ2 for ℓ2); the minimum over j ≠ y is the
 * distance to the decision boundary (when the box does not bind). Used by every attack's
 * property test: broken exactly when ε exceeds it.
 */
import { encodeModel } from '../../onnx/encode';
import { decodeModel } from '../../onnx/decode';
import { Attribute, Model as OnnxModel } from '../../onnx/ir';
import { Model } from '../../model/model';
import { loadModel } from '../../model/load';
import { Norm } from '../types';

export interface Linear {
  /** C×D weights. */
  W: number[][];
  b: number[];
}

/** Builds the ONNX graph logits = x·Wᵀ + b with a free batch dim. */
export function linearOnnx({ W, b }: Linear): Uint8Array {
  const C = W.length, D = W[0].length;
  const m: OnnxModel = {
    irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 'gauntlet-test', producerVersion: '',
    graph: {
      name: 'linear',
      nodes: [{ name: 'fc', opType: 'Gemm', domain: '', inputs: ['input', 'W', 'b'], outputs: ['scores'], attributes: new Map([['transB', { type: 'int', value: 1 }]]) }],
      inputs: [{ name: 'input', dtype: 'float32', shape: ['N', D] }],
      outputs: [{ name: 'scores', dtype: 'float32', shape: ['N', C] }],
      initializers: new Map([
        ['W', { dtype: 'float32', dims: [C, D], data: Float32Array.from(W.flat()) }],
        ['b', { dtype: 'float32', dims: [C], data: Float32Array.from(b) }],
      ]),
      valueInfo: new Map(),
    },
  };
  return encodeModel(m);
}

/**
 * logits = (x + σ·N(0, I))·Wᵀ + b: the linear model behind Gaussian input noise, re-drawn by
 * ONNX Runtime on every run (a randomized model for EOT and majority-vote tests), loaded in-process.
 */
export function noisyLinearModel({ W, b }: Linear, sigma: number): Promise<Model> {
  const m = decodeModel(linearOnnx({ W, b }));
  m.graph.name = 'noisy_linear';
  m.graph.nodes = [
    { name: 'noise', opType: 'RandomNormalLike', domain: '', inputs: ['input'], outputs: ['eta'], attributes: new Map<string, Attribute>([['scale', { type: 'float', value: sigma }]]) },
    { name: 'add', opType: 'Add', domain: '', inputs: ['input', 'eta'], outputs: ['noisy'], attributes: new Map() },
    ...m.graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === 'input' ? 'noisy' : i)) })),
  ];
  return loadModel(encodeModel(m), { inProcess: true });
}

/** Loads the linear model in-process. */
export function linearModel(lin: Linear): Promise<Model> {
  return loadModel(linearOnnx(lin), { inProcess: true });
}

/** Distance from x (label y) to the nearest decision boundary in the given threat norm. */
export function minimalPerturbation({ W, b }: Linear, x: ArrayLike<number>, y: number, norm: Norm): number {
  const z = W.map((w, c) => w.reduce((s, wi, k) => s + wi * x[k], b[c]));
  let best = Infinity;
  for (let j = 0; j < W.length; j++) {
    if (j === y) continue;
    const diff = W[y].map((v, k) => v - W[j][k]);
    const dual = norm === 'linf' ? diff.reduce((s, v) => s + Math.abs(v), 0) : Math.hypot(...diff);
    best = Math.min(best, (z[y] - z[j]) / dual);
  }
  return best;
}

/** A fixed 3-class, 6-feature example with x in the box interior (box [−10, 10] does not bind). */
export const TOY: { lin: Linear; x: number[]; y: number; lower: number; upper: number } = {
  lin: {
    W: [
      [1.0, -0.5, 0.3, 0.8, -0.2, 0.1],
      [-0.4, 0.9, 0.2, -0.6, 0.5, 0.3],
      [0.2, 0.1, -0.8, 0.4, 0.6, -0.7],
    ],
    b: [0.1, -0.2, 0.05],
  },
  x: [0.6, 0.2, 0.4, 0.5, 0.3, 0.1],
  y: 0,
  lower: -10,
  upper: 10,
};

/**
 * A fixed 3-class, 16-feature example (a flat vector an attack may read as a 4×4 image), x in
 * the box interior (box [−10, 10] does not bind).
 */
export const TOY16: { lin: Linear; x: number[]; y: number; lower: number; upper: number } = {
  lin: {
    W: [
      [0.96, -0.39, -0.03, 0.64, 0.02, -0.31, -0.85, 0.53, 0.99, 0.65, -0.08, 0.89, 0.78, 0.94, 0.26, -0.5],
      [-0.05, -0.39, 0.54, 0.73, 0.29, 0.56, 0.57, 0.31, -0.09, -0.85, -0.35, -0.59, 0.5, -0.8, -0.44, -0.87],
      [0.26, 0.85, -0.3, -0.58, -1, 0.36, 0.62, -0.9, 0.19, 0.41, 0.87, -0.93, 0.13, 0.8, 0.17, 0.68],
    ],
    b: [0, 0.1, -0.1],
  },
  x: [0.46, 0.26, 0.26, 0.52, 0.72, 0.31, 0.09, 0.86, 0.44, 0.89, 0.15, 0.01, 0.19, 0.76, 0.43, 0.73],
  y: 0,
  lower: -10,
  upper: 10,
};
