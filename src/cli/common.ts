/** Pieces shared by the model-running commands: loading model and data and checking they fit. */
import { Command, Option } from 'commander';
import { DataError } from '../errors';
import { EvalSet, loadEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { PROVIDERS, Provider } from '../runtime/session';
import { choice, positiveInt } from './options';

export interface RunOptions {
  data: string;
  n?: number;
  provider: Provider;
  threads?: number;
  /** --logits: the graph output holding the class scores. */
  logits?: string;
}

/** Adds --data, --n, --provider, --threads, --logits. */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--data <file.npz>', 'evaluation set: x (float32), y (int labels), optional lower/upper')
    .option('--n <count>', 'use only the first N samples', positiveInt)
    .addOption(new Option('--provider <name>', 'execution provider').choices(PROVIDERS).argParser(choice(PROVIDERS)).default('cpu'))
    .option('--threads <count>', 'CPU threads for inference (default: all cores)', positiveInt)
    .option('--logits <output>', 'name of the graph output that holds the class scores; required when the model has several outputs');
}

/** Loads data and model and checks that the data's sample shape is what the model takes. */
export async function open(modelPath: string, o: RunOptions): Promise<{ model: Model; data: EvalSet; n: number }> {
  const data = loadEvalSet(o.data);
  const model = await loadModel(modelPath, { provider: o.provider, threads: o.threads, output: o.logits });
  const want = model.info.inputShape;
  if (want.length !== data.sampleShape.length || want.some((d, i) => d !== data.sampleShape[i])) {
    await model.close();
    throw new DataError(
      `${o.data}: samples are [${data.sampleShape.join(', ')}] but the model takes [${want.join(', ')}] per sample`,
    );
  }
  const n = Math.min(o.n ?? data.n, data.n);
  return { model, data, n };
}
