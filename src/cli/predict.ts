/** `gauntlet predict MODEL --data D.npz`: clean accuracy of a model on an evaluation set. */
import { Command } from 'commander';
import { argmaxRows } from '../attacks/tensor';
import { RunOptions, open, withRunOptions } from './common';

export interface PredictResult {
  model: string;
  model_sha256: string;
  data: string;
  n: number;
  num_classes: number;
  correct: number;
  accuracy: number;
  seconds: number;
  provider: string;
}

/** Runs the model on the data and measures clean accuracy. */
export async function predict(modelPath: string, o: RunOptions): Promise<PredictResult> {
  const started = process.hrtime.bigint();
  const { model, data, n } = await open(modelPath, o);
  try {
    const per = data.x.length / data.n;
    const logits = await model.predict(data.x.subarray(0, n * per), n);
    const pred = argmaxRows(logits, n);
    let correct = 0;
    for (let i = 0; i < n; i++) if (pred[i] === data.y[i]) correct++;
    return {
      model: modelPath, model_sha256: model.info.modelSha256, data: o.data, n, num_classes: model.info.numClasses,
      correct, accuracy: correct / n, seconds: Number(process.hrtime.bigint() - started) / 1e9, provider: o.provider,
    };
  } finally {
    await model.close();
  }
}

export function predictCommand(done: (code: number) => void): Command {
  return withRunOptions(new Command('predict'))
    .description('clean accuracy of MODEL on an evaluation set')
    .argument('<model.onnx>', 'ONNX classifier')
    .option('--json', 'print the result as JSON')
    .action(async (modelPath: string, o: RunOptions & { json?: boolean }) => {
      const r = await predict(modelPath, o);
      if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(
          `model     ${r.model} (sha256 ${r.model_sha256.slice(0, 16)}…)\n` +
          `data      ${r.data}: ${r.n} samples, ${r.num_classes} classes\n` +
          `accuracy  ${(100 * r.accuracy).toFixed(2)}% (${r.correct}/${r.n})  in ${r.seconds.toFixed(2)} s on ${r.provider}\n`,
        );
      }
      done(0);
    });
}
