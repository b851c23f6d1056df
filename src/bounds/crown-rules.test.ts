/**
 * Every CROWN rule under the property check (./testing/property.ts with ./testing/crown-bounder.ts):
 * ≥ 10,000 points in random boxes, the op's output lies in the concretised CROWN interval and
 * between CROWN's linear lower and upper bounds evaluated at the point. The rule files' own tests
 * run CROWN on their specs too where the spec is per sample (dim 0 the batch); this table makes
 * sure each CROWN rule is exercised (no refusal allowed here) and that the table covers them all.
 */
import { BOUND_RULES } from './registry';
import { boundRule } from './registry';
import { checkBounds, expectSound, PropertySpec } from './testing/property';
import { reluRelaxation } from './rules/relu-relaxation';
import type { BoundRule } from './types';
import { crownBounder } from './testing/crown-bounder';

const ints = (dims: number[], values: number[]) => ({ int64: dims, values });
const SPECS: Record<string, PropertySpec[]> = {
  Add: [
    { opType: 'Add', inputs: [{ bounded: [2, 3, 4] }, { float: [3, 4] }] },
    { opType: 'Add', inputs: [{ bounded: [2, 3, 4] }, { bounded: [2, 3, 4] }] },
  ],
  Sub: [
    { opType: 'Sub', inputs: [{ float: [1, 3, 4] }, { bounded: [2, 3, 4] }] },
    { opType: 'Sub', inputs: [{ bounded: [2, 3, 4] }, { bounded: [2, 3, 4] }] },
  ],
  Mul: [{ opType: 'Mul', inputs: [{ bounded: [2, 3, 4] }, { float: [3, 4], lo: -3, hi: 3 }] }],
  Div: [{ opType: 'Div', inputs: [{ bounded: [2, 3, 4] }, { float: [4], lo: 0.5, hi: 3 }] }],
  Gemm: [
    { opType: 'Gemm', inputs: [{ bounded: [2, 5] }, { float: [5, 4] }, { float: [4] }], attrs: { alpha: { float: 0.5 }, beta: { float: 2 } } },
    { opType: 'Gemm', inputs: [{ bounded: [2, 5] }, { float: [4, 5] }], attrs: { transB: 1 } },
  ],
  MatMul: [
    { opType: 'MatMul', inputs: [{ bounded: [2, 5] }, { float: [5, 3] }] },
    { opType: 'MatMul', inputs: [{ float: [3, 4] }, { bounded: [2, 4, 5] }] },
  ],
  Conv: [{
    opType: 'Conv', inputs: [{ bounded: [2, 2, 6, 6] }, { float: [3, 2, 3, 3] }, { float: [3] }],
    attrs: { strides: [2, 1], pads: [1, 0, 1, 1], dilations: [1, 2] }, degenerateWidth: 1e-2,
  }],
  BatchNormalization: [{
    opType: 'BatchNormalization',
    inputs: [{ bounded: [2, 3, 4, 4] }, { float: [3], lo: -2, hi: 2 }, { float: [3] }, { float: [3] }, { float: [3], lo: 0.5, hi: 2 }],
  }],
  AveragePool: [
    { opType: 'AveragePool', inputs: [{ bounded: [2, 2, 5, 5] }], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
    { opType: 'AveragePool', inputs: [{ bounded: [2, 2, 5, 5] }], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  ],
  GlobalAveragePool: [{ opType: 'GlobalAveragePool', inputs: [{ bounded: [2, 3, 4, 4] }] }],
  MaxPool: [
    { opType: 'MaxPool', inputs: [{ bounded: [2, 2, 6, 6] }], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { opType: 'MaxPool', inputs: [{ bounded: [2, 2, 5, 5] }], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
  ],
  Relu: [{ opType: 'Relu', inputs: [{ bounded: [2, 3, 4] }] }],
  LeakyRelu: [{ opType: 'LeakyRelu', inputs: [{ bounded: [2, 3, 4] }], attrs: { alpha: 0.1 } }],
  Sigmoid: [{ opType: 'Sigmoid', inputs: [{ bounded: [2, 3, 4] }] }],
  Tanh: [{ opType: 'Tanh', inputs: [{ bounded: [2, 3, 4] }] }],
  Flatten: [{ opType: 'Flatten', inputs: [{ bounded: [2, 3, 4] }], attrs: { axis: 1 } }],
  Reshape: [{ opType: 'Reshape', inputs: [{ bounded: [2, 3, 4] }, ints([3], [2, 2, 6])] }],
  Squeeze: [{ opType: 'Squeeze', inputs: [{ bounded: [2, 1, 4] }, ints([1], [1])] }],
  Unsqueeze: [{ opType: 'Unsqueeze', inputs: [{ bounded: [2, 3, 4] }, ints([1], [2])] }],
  Identity: [{ opType: 'Identity', inputs: [{ bounded: [2, 3, 4] }] }],
  Transpose: [{ opType: 'Transpose', inputs: [{ bounded: [2, 3, 4, 5] }], attrs: { perm: [0, 3, 1, 2] } }],
  Slice: [{ opType: 'Slice', inputs: [{ bounded: [2, 5, 6] }, ints([2], [1, -4]), ints([2], [4, 100]), ints([2], [1, 2])] }],
  Pad: [
    { opType: 'Pad', inputs: [{ bounded: [2, 3, 4] }, ints([6], [0, 1, 2, 0, 2, 1]), { float: [], values: [0.5] }] },
    { opType: 'Pad', inputs: [{ bounded: [2, 3, 4] }, ints([6], [0, 2, 1, 0, 1, 3])], attrs: { mode: 'reflect' } },
    { opType: 'Pad', inputs: [{ bounded: [2, 3, 4] }, ints([6], [0, 1, 2, 0, 2, 1])], attrs: { mode: 'edge' } },
  ],
  Concat: [
    { opType: 'Concat', inputs: [{ bounded: [2, 3, 4] }, { bounded: [2, 2, 4] }], attrs: { axis: 1 } },
    { opType: 'Concat', inputs: [{ bounded: [1, 3, 4] }, { float: [1, 2, 4] }], attrs: { axis: -2 } },
  ],
};

describe('CROWN rules, each under the property check', () => {
  it('when the registry is listed, then every rule with CROWN bounds has specs here', () => {
    const withCrown = BOUND_RULES.filter((r) => r.crown).map((r) => r.opType).sort();
    expect(Object.keys(SPECS).sort()).toEqual(withCrown);
  });

  const cases = Object.values(SPECS).flatMap((specs) => specs.map((s, i) => [`${s.opType} #${i + 1}`, s] as const));
  it.each(cases)('when %s is bounded by CROWN, then every output lies in its interval and between its linear bounds', async (_, spec) => {
    await expectSound(spec, crownBounder());
  }, 120_000);
});

describe('a planted unsound CROWN relaxation', () => {
  it('when the Relu upper line is lowered by 5 % of u − l, then the property check finds points above it', async () => {
    const relu = boundRule('Relu')!;
    const unsound: BoundRule = {
      ...relu,
      crown: {
        kind: 'relaxed',
        relax: (ctx, l, u) => {
          const r = reluRelaxation(ctx, l, u, 0);
          const drop = ctx.op('Mul', [ctx.op('Sub', [u, l]), ctx.scalar(0.05)]);
          return { ...r, bu: ctx.op('Sub', [r.bu!, drop]) };
        },
      },
    };
    const rules = (op: string) => (op === 'Relu' ? unsound : boundRule(op));
    const r = await checkBounds({ opType: 'Relu', inputs: [{ bounded: [2, 3, 4] }] }, crownBounder(rules));
    expect(r.violations.length).toBeGreaterThan(0);
  });
});
