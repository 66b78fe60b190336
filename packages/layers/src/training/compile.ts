import { usageError } from '../core/errors';
import type { Shape } from '../core/shape';
import { getLoss, type Loss } from './losses';
import { getMetric, type Metric } from './metrics';
import { getOptimizer, type Optimizer, type OptimizerSpec } from './optimizers';

/** Options of `compile` (Keras's compile arguments). */
export interface CompileArgs {
  /** 'rmsprop' | 'adam' | 'sgd', `{ name: 'rmsprop', learningRate: 1e-4 }`, or an Optimizer (rmsprop({...})). */
  optimizer: OptimizerSpec;
  /** 'binary_crossentropy' | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'mse' | 'mae'. */
  loss: string;
  /** Metric names; 'accuracy' or 'acc' pick the accuracy that suits the loss. Logged under the name given. */
  metrics?: string[];
}

/** What compile() fixed: the optimizer, the loss and the metrics. */
export interface CompiledConfig {
  optimizer: Optimizer;
  loss: Loss;
  metrics: Metric[];
}

/** Resolves compile() arguments against the model's output shape. */
export function resolveCompile(args: CompileArgs, outputShape: Shape | undefined): CompiledConfig {
  if (!args || typeof args !== 'object') usageError('compile expects { optimizer, loss, metrics? }.');
  if (args.optimizer === undefined) usageError("compile: 'optimizer' is required (e.g. 'rmsprop').");
  if (typeof args.loss !== 'string')
    usageError("compile: 'loss' must be a loss name such as 'categorical_crossentropy'.");
  const loss = getLoss(args.loss);
  const units = outputShape ? outputShape[outputShape.length - 1] : null;
  const metrics = (args.metrics ?? []).map((m) => getMetric(m, loss, units));
  const names = metrics.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) usageError(`compile: metric '${dup}' is listed twice.`);
  return { optimizer: getOptimizer(args.optimizer), loss, metrics };
}
