import { gradientOf, smallModel, tensor } from '../testing/small-model';
import { expectStraightThrough, roundHalfEven } from '../testing/step-check';

describe('Round rule (straight-through)', () => {
  it('when straightThrough is off, then no gradient flows through Round and it is reported; when on, then the gradient is the identity path\'s', async () => {
    await expectStraightThrough({
      op: 'Round', nodes: [{ op: 'Round', inputs: ['data'] }], xShape: [2, 3], lo: -3, hi: 3,
      surrogatePoint: (x) => x.map(roundHalfEven),
    });
  });

  it('when x = [0.2, 0.7] goes through Round to the logits, then the BPDA gradient is softmax([0, 1]) − onehot(0) (by hand)', async () => {
    const model = smallModel({ xShape: [2], nodes: [{ op: 'Round', inputs: ['data'] }] });
    const r = await gradientOf(model, [0.2, 0.7], { straightThrough: true });
    const p1 = Math.E / (1 + Math.E); // softmax([0, 1])[1] = 0.7310585786
    expect(r.runs[0].logits).toEqual([0, 1]);
    expect(r.runs[0].grad[0]).toBeCloseTo(-p1, 12); // 1/(1+e) − 1 = −0.7310585786
    expect(r.runs[0].grad[1]).toBeCloseTo(p1, 12);
    expect(r.nonDifferentiable).toEqual(["Round 'Round_0'"]);
  });

  it('when Round is the only path to the logits and straightThrough is off, then building fails naming Round and suggesting straightThrough', async () => {
    const model = smallModel({ xShape: [3], nodes: [{ op: 'Round', inputs: ['data'] }, { op: 'Mul', inputs: ['v0', 'w'] }], consts: { w: tensor('float64', [3], [1, 2, 3]) } });
    await expect(gradientOf(model, [0.2, 0.7, 1.4])).rejects.toThrow(/Round 'Round_0'.*straightThrough/);
  });
});
