/**
 * Random ops stay in the gradient graph and are reported (attacks average over draws, EOT).
 * Samplers (Random*Like, RandomNormal/Uniform, Bernoulli) pass no gradient to x: with
 * logits = x + 0.1 · noise, d loss / dx is d CE / d logits of each draw.
 */
import { SmallNode, ceGradient, gradientOf, maxRelDiff, smallModel, tensor, uniform } from './testing/small-model';

const DOUBLE = 11;
const noisy = (noise: SmallNode) => smallModel({
  xShape: [2, 3], consts: { c: tensor('float64', [], [0.1]) },
  nodes: [noise, { op: 'Mul', inputs: ['v0', 'c'] }, { op: 'Add', inputs: ['data', 'v1'] }],
});

const SAMPLERS: [string, SmallNode][] = [
  ['RandomNormalLike', { op: 'RandomNormalLike', inputs: ['data'] }],
  ['RandomUniformLike', { op: 'RandomUniformLike', inputs: ['data'] }],
  ['RandomNormal', { op: 'RandomNormal', inputs: [], attrs: { shape: [2, 3], dtype: DOUBLE } }],
  ['RandomUniform', { op: 'RandomUniform', inputs: [], attrs: { shape: [2, 3], dtype: DOUBLE } }],
  ['Bernoulli', { op: 'Bernoulli', inputs: ['data'] }],
];

describe('random ops', () => {
  it.each(SAMPLERS)('when x + 0.1 · %s gives the logits, then the op is reported as random, draws differ and the gradient is the x path\'s', async (op, noise) => {
    const x = uniform(6, 0.05, 0.95, 2); // probabilities for Bernoulli
    // Eight draws: at these probabilities two Bernoulli draws of the 6 coins coincide with
    // probability 0.036 (CI saw it once); eight alike, 5.7e-9.
    const r = await gradientOf(noisy(noise), x, { runs: 8 });
    expect(r.random).toEqual([`${op} '${op}_0'`]);
    expect(r.nonDifferentiable).toEqual([]);
    const [first, ...rest] = r.runs;
    expect(Math.max(...rest.map((run) => maxRelDiff(first.logits, run.logits)))).toBeGreaterThan(0);
    for (const run of r.runs) expect(maxRelDiff(run.grad, ceGradient(run.logits))).toBeLessThan(1e-12);
  });

  it('when a random op does not feed the logits, then it is not reported', async () => {
    const model = smallModel({
      xShape: [3], consts: { w: tensor('float64', [3], [1, 2, 3]) },
      nodes: [{ op: 'RandomNormalLike', inputs: ['data'], outputs: ['n'] }, { op: 'Mul', inputs: ['data', 'w'], outputs: ['z'] }],
    });
    model.graph.outputs = [{ name: 'z', dtype: 'float64' }, { name: 'n', dtype: 'float64' }];
    const r = await gradientOf(model, [0.1, 0.2, 0.3]);
    expect(r.random).toEqual([]);
  });
});
