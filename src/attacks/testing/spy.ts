/** A model wrapper for attack tests that records the options of every gradient call. */
import { AttackModel } from '../types';

export interface GradientCallRecord {
  n: number;
  loss: string;
  target?: number[];
  straightThrough?: boolean;
}

/** Wraps a model; `calls` receives one record per lossAndGrad call, in order. */
export function spyGradientCalls(model: AttackModel): { model: AttackModel; calls: GradientCallRecord[] } {
  const calls: GradientCallRecord[] = [];
  const m: AttackModel = {
    info: model.info,
    predict: (x, n, o) => model.predict(x, n, o),
    counters: () => model.counters(),
    lossAndGrad: (x, n, y, o) => {
      calls.push({ n, loss: o.loss, target: o.target && Array.from(o.target), straightThrough: o.straightThrough });
      return model.lossAndGrad(x, n, y, o);
    },
  };
  return { model: m, calls };
}
