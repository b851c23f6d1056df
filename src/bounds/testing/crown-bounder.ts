/**
 * CROWN as a Bounder of the rule property tests (./property.ts): the op alone, each bounded input
 * its own box. `bound` is the concretised CROWN interval of every output (the graph's pass, with
 * the float32-evaluation allowance the certified margins carry); `boundAt` evaluates CROWN's
 * linear lower and upper bounds of the box at each point (in float64, widened by the same
 * documented margins), which must enclose the op's output there: the check that catches an unsound
 * relaxation a box's corners miss.
 */
import { numel } from '../../onnx/ir';
import { encodeModel } from '../../onnx/encode';
import { Session } from '../../runtime/session';
import type { HostTensor } from '../../runtime/tensor';
import type { CrownBuilder } from '../crown-context';
import { Concretise, crownEngine } from '../crown-propagation';
import { CROWN_EVAL32, CROWN_EVAL32_ABSOLUTE, CROWN_RELATIVE, toFloat32Down, toFloat32Up } from '../float-error';
import { boundsModel, onPathTo, usedInitializers, usedNames } from '../propagate';
import type { BoundRule } from '../types';
import type { Box, Bounder, OutputBounds } from './property-types';

const P = 'crown_test';

/** CROWN with the registry's rules (or `rules`). */
export function crownBounder(rules?: (opType: string) => BoundRule | undefined): Bounder {
  return {
    name: 'CROWN',
    degenerateWidth: 1e-2,
    widens: true,
    async open(op) {
      const graph = op.model.graph;
      const names = op.bounded.map((_, i) => ({ lo: `${P}_lo_${i}`, hi: `${P}_hi_${i}`, A: `${P}_A_${i}` }));
      const used = usedNames(graph, [...names.flatMap((v) => [v.lo, v.hi, v.A]), `${P}_lb`, `${P}_off`]);
      const concretisers = new Map<string, Concretise>();
      const late: Concretise[] = [];
      op.bounded.forEach((bv, i) => concretisers.set(bv.name, (e, A3, R) => late[i](e, A3, R)));
      const engine = crownEngine(graph, op.shapes, used, concretisers, op.output, { rules });
      const { b, w } = engine;
      const opn = (t: string, ins: string[], attrs = {}) => b.op(P, t, ins, attrs);
      op.bounded.forEach((bv, i) => {
        const n = numel(bv.shape.slice(1));
        const col = (v: string) => opn('Reshape', [v, b.ints(P, [-1, n, 1])]);
        const lo = col(names[i].lo), hi = col(names[i].hi);
        const size = opn('Max', [opn('Abs', [lo]), opn('Abs', [hi])]);
        const rows = (e: CrownBuilder, v: string, R: number) => e.op(P, 'Reshape', [v, e.ints(P, [-1, R])]);
        late[i] = (e, A3, R) => {
          const pos = e.op(P, 'Relu', [A3]);
          const neg = e.op(P, 'Sub', [A3, pos]);
          return {
            value: rows(e, e.op(P, 'Add', [e.op(P, 'MatMul', [pos, lo]), e.op(P, 'MatMul', [neg, hi])]), R),
            mag: rows(e, e.op(P, 'MatMul', [e.op(P, 'Abs', [A3]), size]), R),
          };
        };
      });
      engine.prepare();
      const outShape = op.shapes.get(op.output)!.shape;
      const d0 = outShape[0];
      const per = outShape.slice(1);
      const n = numel(per);
      const eye = Array.from({ length: 2 * n * n }, (_, k) => {
        const r = Math.floor(k / n), c = k % n;
        return r < n ? (r === c ? 1 : 0) : (r - n === c ? -1 : 0);
      });
      const A0 = b.float64(P, [1, 2 * n, ...per], eye);
      const out = (v: string, name: string) => w.nodes.push({ name: w.fresh(`${name}_out`), opType: 'Identity', domain: '', inputs: [v], outputs: [name], attributes: new Map() });
      out(engine.pass(b, op.output, A0, 2 * n, CROWN_EVAL32, CROWN_EVAL32_ABSOLUTE), `${P}_lb`);
      const lin = engine.linear(b, op.output, A0, 2 * n);
      const zerosLike = (shape: number[]) => opn('ConstantOfShape', [b.ints(P, shape)], { value: { tensor: { dtype: 'float64', dims: [1], data: new Float64Array(1) } } });
      op.bounded.forEach((bv, i) => {
        const shape = [d0, 2 * n, ...bv.shape.slice(1)];
        const A = lin.As.get(bv.name);
        out(A ? opn('Expand', [A, b.ints(P, shape)]) : zerosLike(shape), names[i].A);
      });
      out(lin.offset ? opn('Expand', [lin.offset, b.ints(P, [d0, 2 * n])]) : zerosLike([d0, 2 * n]), `${P}_off`);
      const outputs = [`${P}_lb`, ...names.map((v) => v.A), `${P}_off`];
      const nodes = onPathTo(w.nodes, outputs);
      const model = boundsModel({
        name: 'crown_property', nodes,
        inputs: op.bounded.flatMap((bv, i) => [
          { name: names[i].lo, dtype: 'float64' as const, shape: bv.shape }, { name: names[i].hi, dtype: 'float64' as const, shape: bv.shape },
        ]),
        outputs: outputs.map((name) => ({ name, dtype: 'float64' as const })),
        initializers: usedInitializers([...w.initializers], nodes), valueInfo: new Map(),
      });
      const session = await Session.create(encodeModel(model), { intraOpThreads: 1, optimization: 'disabled' });
      const run = async (box: Box) => {
        const feeds: Record<string, HostTensor> = {};
        op.bounded.forEach((bv, i) => {
          feeds[names[i].lo] = { dtype: 'float64', dims: bv.shape, data: Float64Array.from(box.lo[i]) };
          feeds[names[i].hi] = { dtype: 'float64', dims: bv.shape, data: Float64Array.from(box.hi[i]) };
        });
        const r = await session.run(feeds);
        return { lb: r[`${P}_lb`].data as Float64Array, As: names.map((v) => r[v.A].data as Float64Array), off: r[`${P}_off`].data as Float64Array };
      };
      /** Rows [d0, 2n] of lower bounds → the output's elementwise [lo, hi] (rows n.. bound −y). */
      const split = (rowsOf: (s: number, r: number) => number): OutputBounds => {
        const lo = new Float32Array(d0 * n), hi = new Float32Array(d0 * n);
        for (let s = 0; s < d0; s++) {
          for (let j = 0; j < n; j++) {
            lo[s * n + j] = toFloat32Down(rowsOf(s, j));
            hi[s * n + j] = toFloat32Up(-rowsOf(s, n + j));
          }
        }
        return { lo, hi };
      };
      return {
        async bound(box) {
          const { lb } = await run(box);
          return split((s, r) => lb[s * 2 * n + r]);
        },
        async boundAt(box, points) {
          const { As, off } = await run(box);
          return points.map((x) => split((s, r) => {
            let v = off[s * 2 * n + r], mag = Math.abs(v);
            op.bounded.forEach((bv, i) => {
              const m = numel(bv.shape.slice(1));
              const A = As[i], xi = x[i];
              for (let k = 0; k < m; k++) {
                const t = A[(s * 2 * n + r) * m + k] * xi[s * m + k];
                v += t;
                mag += Math.abs(t);
              }
            });
            return v - (CROWN_RELATIVE + CROWN_EVAL32) * mag - CROWN_EVAL32_ABSOLUTE;
          }));
        },
        close: () => session.release(),
      };
    },
  };
}
