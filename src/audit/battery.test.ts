import { getAttack, parseParams } from '../attacks';
import { UsageError } from '../errors';
import { BATTERY_ID, PRESETS, battery } from './battery';
import { allSteps } from './adaptations/types';

describe('battery presets', () => {
  it.each(PRESETS)('%s: every step names a registered attack with valid parameters', (preset) => {
    const b = battery(preset);
    expect(b.id).toBe(BATTERY_ID);
    expect(b.preset).toBe(preset);
    for (const s of allSteps(b)) expect(() => parseParams(getAttack(s.attack), s.params)).not.toThrow();
    expect(() => parseParams(getAttack('fab-t'), b.minimalNorms)).not.toThrow();
    expect(b.sweep.fractions.every((f, i, a) => f > 0 && f < 1 && (i === 0 || f > a[i - 1]))).toBe(true);
  });

  it('standard is AutoAttack standard (APGD-CE, APGD-T, FAB-T, Square 5000) followed by alternating-loss PGD', () => {
    const b = battery('standard');
    expect(b.stages.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square', 'alt-pgd']);
    const apgdT = parseParams(getAttack('apgd-t'), b.stages[1].params) as { targetClasses: number; steps: number };
    const fab = parseParams(getAttack('fab-t'), b.stages[2].params) as { targetClasses: number; steps: number };
    const sq = parseParams(getAttack('square'), b.stages[3].params) as { queries: number };
    expect([apgdT.targetClasses, apgdT.steps, fab.targetClasses, fab.steps, sq.queries]).toEqual([9, 100, 9, 100, 5000]);
  });

  it('budgets grow from quick to thorough', () => {
    const work = (p: (typeof PRESETS)[number]) => battery(p).stages.length + Number(battery(p).convergence.params.steps);
    expect(work('quick')).toBeLessThan(work('standard'));
    expect(work('standard')).toBeLessThan(work('thorough'));
  });

  it('returns a fresh copy, so adaptations cannot leak into the next audit', () => {
    const a = battery('quick');
    a.stages[0].params.steps = 1;
    a.stages.pop();
    expect(battery('quick').stages[0].params.steps).toBe(50);
    expect(battery('quick').stages).toHaveLength(5);
  });

  it('rejects an unknown preset', () => {
    expect(() => battery('fast' as never)).toThrow(UsageError);
    expect(() => battery('fast' as never)).toThrow(/quick, standard, thorough/);
  });
});
