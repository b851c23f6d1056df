/** The interval of a + b or a − b for Add and Sub (either operand bounded or constant). */
import type { IbpContext, Interval } from '../types';
import { magnitude } from './common';

export function sumOrDifference(ctx: IbpContext, opType: 'Add' | 'Sub'): Interval {
  const side = (i: number): Interval => {
    const o = ctx.operand(i);
    return o.kind === 'interval' ? o.interval : { lo: o.name, hi: o.name };
  };
  const [a, b] = [side(0), side(1)];
  const out = opType === 'Add'
    ? { lo: ctx.op('Add', [a.lo, b.lo]), hi: ctx.op('Add', [a.hi, b.hi]) }
    : { lo: ctx.op('Sub', [a.lo, b.hi]), hi: ctx.op('Sub', [a.hi, b.lo]) };
  return ctx.outward(out.lo, out.hi, magnitude(ctx, out), 1);
}
