import { certifiedMargin, threatBox } from './threat-box';

describe('certifiedMargin', () => {
  // Two points, K = 3: point 0 has label 0, point 1 label 2.
  const margins = Float32Array.from([
    0, 0.5, -0.25, // point 0: class 1 cannot win, class 2 may
    1, 2, 0, //       point 1: neither 0 nor 1 can win
  ]);

  it('when no target is given, then every j ≠ y must be > 0 and the margin is the smallest of them', () => {
    expect(certifiedMargin(margins, 0, 3, 0)).toEqual({ certified: false, margin: -0.25 });
    expect(certifiedMargin(margins, 1, 3, 2)).toEqual({ certified: true, margin: 1 });
    expect(certifiedMargin(margins, 0, 3, 0, -1)).toEqual({ certified: false, margin: -0.25 });
  });

  it('when a target t is given, then only j = t decides, whatever the other classes do', () => {
    expect(certifiedMargin(margins, 0, 3, 0, 1)).toEqual({ certified: true, margin: 0.5 });
    expect(certifiedMargin(margins, 0, 3, 0, 2)).toEqual({ certified: false, margin: -0.25 });
    expect(certifiedMargin(margins, 1, 3, 2, 0)).toEqual({ certified: true, margin: 1 });
  });

  it('when the bound is exactly 0, then the point is not certified (a tie may flip the argmax)', () => {
    expect(certifiedMargin(Float32Array.from([0, 0]), 0, 2, 0, 1).certified).toBe(false);
    expect(certifiedMargin(Float32Array.from([0, 0]), 0, 2, 0).certified).toBe(false);
  });

  it('when the target is the label or not a class, then it throws', () => {
    expect(() => certifiedMargin(margins, 0, 3, 0, 0)).toThrow(RangeError);
    expect(() => certifiedMargin(margins, 0, 3, 0, 3)).toThrow(RangeError);
  });
});

describe('threatBox', () => {
  it('when ε reaches past the data range, then the box is clipped to [lower, upper] and contains x ± ε', () => {
    const b = threatBox(Float32Array.from([0.1, 0.5]), 0.2, Float32Array.from([0, 0]), Float32Array.from([1, 1]));
    expect(b.lo[0]).toBe(0);
    expect(b.lo[1]).toBeLessThanOrEqual(0.3);
    expect(b.hi[0]).toBeGreaterThanOrEqual(0.3);
    expect(b.hi[1]).toBeGreaterThanOrEqual(0.7);
    expect(() => threatBox(new Float32Array(1), -1, new Float32Array(1), new Float32Array(1))).toThrow(RangeError);
  });
});
