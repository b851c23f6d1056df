/**
 * `gauntlet grad MODEL --data D.npz --out OUT.npz`: logits, per-sample loss and the input
 * gradient of the chosen loss, written as .npz (logits [n, C], loss [n], grad like x).
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DataError } from '../errors';
import { loadEvalSet, writeNpz } from '../data';
import { LOSS_KINDS, LossKind } from '../autodiff/loss';
import { RunOptions, open, withRunOptions } from './common';
import { choice } from './options';

interface GradOptions extends RunOptions {
  loss: LossKind;
  targetData?: string;
  straightThrough?: boolean;
  out: string;
}

/** Computes and writes logits, loss and input gradients; returns a one-line summary. */
export async function grad(modelPath: string, o: GradOptions): Promise<string> {
  const { model, data, n } = await open(modelPath, o);
  try {
    let target: Int32Array | undefined;
    if (o.targetData) {
      const t = loadEvalSet(o.targetData);
      const labels = t.target ?? t.y;
      if (labels.length < n) throw new DataError(`${o.targetData}: ${labels.length} target labels for ${n} samples`);
      target = labels.subarray(0, n);
    }
    const per = data.x.length / data.n;
    const r = await model.lossAndGrad(data.x.subarray(0, n * per), n, data.y.subarray(0, n), {
      loss: o.loss, target, straightThrough: o.straightThrough,
    });
    const C = model.info.numClasses;
    writeFileSync(o.out, writeNpz({
      logits: { dtype: 'float32', shape: [n, C], data: r.logits },
      loss: { dtype: 'float32', shape: [n], data: r.loss },
      grad: { dtype: 'float32', shape: [n, ...data.sampleShape], data: r.grad },
      y: { dtype: 'int64', shape: [n], data: BigInt64Array.from(data.y.subarray(0, n), (v) => BigInt(v)) },
    }));
    const notes = [...model.info.nonDifferentiable.map((s) => `non-differentiable ${s}`), ...model.info.random.map((s) => `random ${s}`)];
    if (model.info.strippedSoftmax) notes.push(`gradients taken on the logits before the final ${model.info.strippedSoftmax}`);
    return `wrote ${o.out}: logits [${n}, ${C}], loss [${n}], grad [${[n, ...data.sampleShape].join(', ')}] (${o.targetData ? "targeted " : ""}${o.loss} loss)` +
      (notes.length ? `\nnote: ${notes.join('; ')}` : '');
  } finally {
    await model.close();
  }
}

export function gradCommand(done: (code: number) => void): Command {
  return withRunOptions(new Command('grad'))
    .description('logits, per-sample loss and d(loss)/d(input) of MODEL on an evaluation set')
    .argument('<model.onnx>', 'ONNX classifier')
    .addOption(new Option('--loss <kind>', 'loss to differentiate').choices(LOSS_KINDS).argParser(choice(LOSS_KINDS)).default('ce'))
    .option('--target-data <file.npz>', 'targeted loss: target labels from this .npz (array `target`, else `y`)')
    .option('--straight-through', 'BPDA: identity gradient through non-differentiable ops')
    .requiredOption('--out <file.npz>', 'output .npz')
    .action(async (modelPath: string, o: GradOptions) => {
      process.stdout.write(`${await grad(modelPath, o)}\n`);
      done(0);
    });
}
