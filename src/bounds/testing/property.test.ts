/**
 * The checker itself (STYLE.md §18): a test-only unsound bounder must be caught, and the boxes it
 * draws cover degenerate, kink and wide cases.
 */
import { nextFloat32 } from '../float-error';
import { Bounder, checkBounds, ibpBounder, opUnderTest, randomBox } from './property';
import { mulberry32 } from '../../util/random';

/** IBP with the upper bound moved one float32 step down: unsound wherever hi is attained. */
const shrunk: Bounder = {
  name: 'IBP shrunk by one ulp',
  async open(op) {
    const inner = await ibpBounder.open(op);
    return {
      async bound(box) {
        const b = await inner.bound(box);
        return { lo: b.lo, hi: b.hi.map((v) => nextFloat32(v, -1)) };
      },
      close: () => inner.close(),
    };
  },
};

/** Bounds of the box's centre only: unsound for any box with width. */
const centreOnly: Bounder = {
  name: 'centre only',
  async open(op) {
    const inner = await ibpBounder.open(op);
    return {
      async bound(box) {
        const mid = box.lo.map((l, i) => l.map((v, k) => Math.fround((v + box.hi[i][k]) / 2)));
        return inner.bound({ lo: mid, hi: mid });
      },
      close: () => inner.close(),
    };
  },
};

/** Point-wise bounds (as CROWN's linear bounds will give): IBP's, sound, or f(x) nudged above, unsound. */
const pointwise = (sound: boolean): Bounder => ({
  name: sound ? 'point-wise IBP' : 'point-wise, above f',
  async open(op) {
    const inner = await ibpBounder.open(op);
    return {
      bound: (box) => inner.bound(box),
      async boundAt(box, points) {
        const b = await inner.bound(box);
        return points.map(() => (sound ? b : { lo: b.hi, hi: b.hi.map((v) => nextFloat32(v, 1)) }));
      },
      close: () => inner.close(),
    };
  },
});

describe('bound property checker', () => {
  it('when a bounder gives point-wise bounds (the CROWN hook), then they are checked at every point: sound ones pass, wrong ones are caught', async () => {
    const spec = { opType: 'Relu', inputs: [{ bounded: [2, 3] }], boxes: 8, pointsPerBox: 16 };
    expect((await checkBounds(spec, pointwise(true))).violations).toEqual([]);
    const wrong = await checkBounds(spec, pointwise(false));
    expect(wrong.violations.some((v) => v.check === 'float32 at point')).toBe(true);
  });

  it('when the upper bound of Relu is one float32 step too low, then the checker reports violations at the hi corner', async () => {
    const r = await checkBounds({ opType: 'Relu', inputs: [{ bounded: [2, 3] }], boxes: 8, pointsPerBox: 16 }, shrunk);
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.violations.some((v) => v.point === 1 && v.check === 'float32')).toBe(true);
  });

  it('when a Gemm bounder ignores the box width, then the checker reports violations', async () => {
    const r = await checkBounds({ opType: 'Gemm', inputs: [{ bounded: [2, 4] }, { float: [4, 3] }], boxes: 8, pointsPerBox: 16 }, centreOnly);
    expect(r.violations.length).toBeGreaterThan(0);
  });

  it('when boxes are drawn, then box 0 is degenerate, box 1 wide, and some boxes sit near the kink', async () => {
    const op = await opUnderTest({ opType: 'Relu', inputs: [{ bounded: [64] }] });
    const rand = mulberry32(1);
    const boxes = Array.from({ length: 40 }, (_, k) => randomBox(op, rand, k));
    expect(boxes[0].lo[0]).toEqual(boxes[0].hi[0]);
    expect(Math.max(...boxes[1].hi[0].map((h, i) => h - boxes[1].lo[0][i]))).toBeGreaterThan(1);
    const nearZero = boxes.filter((b) => b.lo[0].every((l, i) => Math.abs(l + b.hi[0][i]) < 0.1));
    expect(nearZero.length).toBeGreaterThan(0);
  });
});
