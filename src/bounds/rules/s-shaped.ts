/**
 * The CROWN relaxation of an increasing function f, convex on x ≤ 0 and concave on x ≥ 0
 * (Sigmoid, Tanh), on [l, u] (Zhang et al. 2018, sec. 3.2 and appendix): with m = (l + u)/2,
 * tangent(d) the line through (d, f(d)) with slope f'(d), chord the line through (l, f(l)) and
 * (u, f(u)):
 *   u = l: both lines are tangent(l).
 *   u ≤ 0 (convex): lower tangent(m), upper chord.   l ≥ 0 (concave): lower chord, upper tangent(m).
 *   l < 0 < u: upper, the chord if it lies above f (g(u) ≤ 0 with g(d) = f(d) + f'(d)(l − d) −
 *   f(l)), else tangent(d) at the d ∈ [0, u] where it passes through (l, f(l)), found by 60 steps of
 *   bisection that keep g(d) ≥ 0 (the tangent stays above (l, f(l)), hence above f on [l, u]);
 *   lower, mirrored: h(d) = f(d) + f'(d)(u − d) − f(u), the chord if h(l) ≥ 0, else tangent(d) at
 *   d ∈ [l, 0] keeping h(d) ≤ 0.
 * Everything is evaluated in float64 by the graph (Sigmoid, Tanh and their derivatives
 * σ' = σ(1 − σ), tanh' = 1 − tanh²).
 */
import type { CrownContext, Relaxation } from '../types';

export const BISECTION_STEPS = 60;

export function sShapedRelaxation(ctx: CrownContext, l: string, u: string, fn: 'Sigmoid' | 'Tanh'): Relaxation {
  const one = ctx.scalar(1), zero = ctx.scalar(0), half = ctx.scalar(0.5);
  const f = (x: string) => ctx.op(fn, [x]);
  const df = (x: string) => {
    const y = f(x);
    return fn === 'Sigmoid' ? ctx.op('Mul', [y, ctx.op('Sub', [one, y])]) : ctx.op('Sub', [one, ctx.op('Mul', [y, y])]);
  };
  const tangent = (d: string) => {
    const s = df(d);
    return { s, b: ctx.op('Sub', [f(d), ctx.op('Mul', [s, d])]) };
  };
  const where = (c: string, x: string, y: string) => ctx.op('Where', [c, x, y]);
  const eq = ctx.op('Equal', [u, l]);
  const ud = where(eq, ctx.op('Add', [l, one]), u);
  const fl = f(l), fu = f(ud);
  const chordS = ctx.op('Div', [ctx.op('Sub', [fu, fl]), ctx.op('Sub', [ud, l])]);
  const chord = { s: chordS, b: ctx.op('Sub', [fl, ctx.op('Mul', [chordS, l])]) };
  const tm = tangent(ctx.op('Mul', [ctx.op('Add', [l, u]), half]));
  const tl = tangent(l);
  // Upper tangent point in [0, u]: keep g ≥ 0 at b.
  const gAt = (d: string, far: string, fFar: string) => ctx.op('Sub', [ctx.op('Add', [f(d), ctx.op('Mul', [df(d), ctx.op('Sub', [far, d])])]), fFar]);
  let a = zero, b = ctx.op('Max', [u, zero]);
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = ctx.op('Mul', [ctx.op('Add', [a, b]), half]);
    const ok = ctx.op('GreaterOrEqual', [gAt(mid, l, fl), zero]);
    [a, b] = [where(ok, a, mid), where(ok, mid, b)];
  }
  const upCross = tangent(b);
  let a2 = ctx.op('Min', [l, zero]), b2 = zero;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = ctx.op('Mul', [ctx.op('Add', [a2, b2]), half]);
    const ok = ctx.op('LessOrEqual', [gAt(mid, u, f(u)), zero]);
    [a2, b2] = [where(ok, mid, a2), where(ok, b2, mid)];
  }
  const loCross = tangent(a2);
  const chordAbove = ctx.op('LessOrEqual', [gAt(u, l, fl), zero]);
  const chordBelow = ctx.op('GreaterOrEqual', [gAt(l, u, f(u)), zero]);
  const convex = ctx.op('LessOrEqual', [u, zero]);
  const concave = ctx.op('GreaterOrEqual', [l, zero]);
  const pick = (eqV: string, convexV: string, concaveV: string, crossV: string) => where(eq, eqV, where(convex, convexV, where(concave, concaveV, crossV)));
  const upC = { s: where(chordAbove, chord.s, upCross.s), b: where(chordAbove, chord.b, upCross.b) };
  const loC = { s: where(chordBelow, chord.s, loCross.s), b: where(chordBelow, chord.b, loCross.b) };
  return {
    al: pick(tl.s, tm.s, chord.s, loC.s),
    bl: pick(tl.b, tm.b, chord.b, loC.b),
    au: pick(tl.s, chord.s, tm.s, upC.s),
    bu: pick(tl.b, chord.b, tm.b, upC.b),
  };
}
