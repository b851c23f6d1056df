import { Battery, battery } from '../battery';

/**
 * For tests: the quick preset's shape (every stage kind, the convergence stage, one sweep ε,
 * minimal norms, hypocritical risk, full box) with budgets cut to seconds in all.
 */
export function tinyBattery(): Battery {
  const b = battery('quick');
  b.stages = [
    { attack: 'apgd-ce', params: { steps: 10 }, origin: 'battery' },
    { attack: 'apgd-t', params: { steps: 10, targetClasses: 2 }, origin: 'battery' },
    { attack: 'fab-t', params: { steps: 10, targetClasses: 2 }, origin: 'battery' },
    { attack: 'square', params: { queries: 100 }, origin: 'battery' },
    { attack: 'alt-pgd', params: { steps: 12 }, origin: 'battery' },
  ];
  b.convergence = { attack: 'apgd-ce', params: { steps: 20, restarts: 2 }, origin: 'convergence' };
  b.sweep = { fractions: [0.5], stages: [{ attack: 'apgd-ce', params: { steps: 10 }, origin: 'battery' }] };
  b.minimalNorms = { steps: 10, targetClasses: 2 };
  b.hypocritical = { steps: 10, restarts: 1 };
  b.fullBox = { step: { attack: 'pgd', params: { steps: 10, randomStart: false }, origin: 'full-box' }, points: 10 };
  b.probePoints = 16;
  return b;
}
