import type { CompileArgs, CompiledConfig } from './compile';
import { Adam, type Optimizer, type OptimizerSpec, RMSprop, SGD } from './optimizers';

/**
 * What a saved model records of compile(): Keras's `training_config` fields, which tfjs-layers
 * writes into model.json's `trainingConfig` with tfjs's optimizer names and settings.
 */
export interface TrainingConfig {
  loss: string;
  metrics: string[];
  optimizer_config: { class_name: string; config: Record<string, unknown> };
}

/**
 * The training config of a compiled model as tfjs-layers writes it (so that tfjs-layers'
 * loadLayersModel compiles the model too): the loss and metric names as given to compile(),
 * and the optimizer under tfjs's class name with tfjs's settings (RMSProp's `decay` is rho).
 */
export function trainingConfigOf(compiled: CompiledConfig): TrainingConfig {
  return {
    loss: compiled.loss.name,
    metrics: compiled.metrics.map((m) => m.name),
    optimizer_config: tfjsOptimizerConfig(compiled.optimizer),
  };
}

function tfjsOptimizerConfig(o: Optimizer): TrainingConfig['optimizer_config'] {
  const learningRate = o.learningRate;
  if (o instanceof RMSprop) {
    const { rho: decay, momentum, epsilon, centered } = o;
    return { class_name: 'RMSProp', config: { learningRate, decay, momentum, epsilon, centered } };
  }
  if (o instanceof Adam) {
    const { beta1, beta2, epsilon } = o;
    return { class_name: 'Adam', config: { learningRate, beta1, beta2, epsilon } };
  }
  if (o instanceof SGD && o.momentum) {
    const { momentum, nesterov: useNesterov } = o;
    return { class_name: 'Momentum', config: { learningRate, momentum, useNesterov } };
  }
  return { class_name: o.className, config: { learningRate } };
}

/**
 * compile() arguments from a training config written by Keras (snake_case, `lr` or
 * `learning_rate`), tfjs-layers (camelCase, where RMSProp's `decay` is Keras's `rho`) or convkit.
 * Throws an Error that says what cannot be reproduced (an unknown optimizer, Keras's
 * learning-rate `decay`, a loss or metric given as an object).
 */
export function compileArgsFromTrainingConfig(config: unknown): CompileArgs {
  const c = config as Partial<Record<string, unknown>> | null;
  const optimizerConfig = c?.optimizer_config as TrainingConfig['optimizer_config'] | undefined;
  if (!optimizerConfig || typeof optimizerConfig.class_name !== 'string') {
    throw new Error(`it has no optimizer_config { class_name, config }`);
  }
  if (typeof c?.loss !== 'string') {
    throw new Error(`its loss is ${JSON.stringify(c?.loss)}, not a loss name`);
  }
  return {
    optimizer: optimizerSpec(optimizerConfig.class_name, optimizerConfig.config ?? {}),
    loss: c.loss,
    metrics: metricNames(c.metrics),
  };
}

function optimizerSpec(className: string, config: Record<string, unknown>): OptimizerSpec {
  const name = className.toLowerCase();
  const fromTfjs = 'learningRate' in config;
  const number = (...keys: string[]) => {
    for (const key of keys) if (typeof config[key] === 'number') return config[key] as number;
    return undefined;
  };
  const learningRate = number('learningRate', 'learning_rate', 'lr');
  if (!fromTfjs && (number('decay') ?? 0) !== 0) {
    throw new Error(
      `its ${className} has Keras's learning-rate decay ${config.decay}, which convkit does not implement`,
    );
  }
  switch (name) {
    case 'rmsprop':
      return {
        name,
        learningRate,
        rho: fromTfjs ? number('decay') : number('rho'),
        momentum: number('momentum'),
        epsilon: number('epsilon'),
        centered: config.centered === true,
      };
    case 'adam':
      if (config.amsgrad === true) throw new Error(`its Adam uses amsgrad, which convkit does not implement`);
      return {
        name,
        learningRate,
        beta1: number('beta1', 'beta_1'),
        beta2: number('beta2', 'beta_2'),
        epsilon: number('epsilon'),
      };
    case 'sgd':
      return { name, learningRate, momentum: number('momentum'), nesterov: config.nesterov === true };
    case 'momentum': // tfjs's SGD with momentum
      return {
        name: 'sgd',
        learningRate,
        momentum: number('momentum'),
        nesterov: config.useNesterov === true,
      };
    default:
      throw new Error(`its optimizer ${className} is not one convkit has (RMSprop, Adam, SGD, Momentum)`);
  }
}

/** Metric names from ['acc'], Keras 2.4's nested [['acc']], or metric objects with a config name. */
function metricNames(metrics: unknown): string[] {
  if (metrics === undefined || metrics === null) return [];
  if (!Array.isArray(metrics)) throw new Error(`its metrics are ${JSON.stringify(metrics)}, not a list`);
  return metrics.flat().map((m) => {
    if (typeof m === 'string') return m;
    const name = (m as { config?: { name?: unknown } })?.config?.name;
    if (typeof name === 'string') return name;
    throw new Error(`its metric ${JSON.stringify(m)} has no name`);
  });
}
