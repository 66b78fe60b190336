import { usageError } from '../core/errors';
import type { Layer, LayerConfig } from '../core/layer';
import { Activation } from '../layers/activation';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Dropout } from '../layers/dropout';
import { Flatten } from '../layers/flatten';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../layers/global-pooling2d';
import { InputLayer } from '../layers/input-layer';
import { AveragePooling2D, MaxPooling2D } from '../layers/max-pooling2d';
import { Sequential } from './sequential';

/** Rebuilds a layer from its Keras config (the `config` object of `{ class_name, config }`). */
export type LayerFactory = (config: Record<string, unknown>) => Layer;

const custom = new Map<string, LayerFactory>();
let builtins: Map<string, LayerFactory> | undefined;

// Built lazily: sequential.ts imports this module, so Sequential is not defined at load time.
function builtinFactories(): Map<string, LayerFactory> {
  builtins ??= new Map<string, LayerFactory>([
    ['Conv2D', Conv2D.fromConfig],
    ['Convolution2D', Conv2D.fromConfig],
    ['Dense', Dense.fromConfig],
    ['MaxPooling2D', MaxPooling2D.fromConfig],
    ['MaxPool2D', MaxPooling2D.fromConfig],
    ['AveragePooling2D', AveragePooling2D.fromConfig],
    ['AvgPool2D', AveragePooling2D.fromConfig],
    ['Flatten', Flatten.fromConfig],
    ['Dropout', Dropout.fromConfig],
    ['Activation', Activation.fromConfig],
    ['GlobalAveragePooling2D', GlobalAveragePooling2D.fromConfig],
    ['GlobalAvgPool2D', GlobalAveragePooling2D.fromConfig],
    ['GlobalMaxPooling2D', GlobalMaxPooling2D.fromConfig],
    ['GlobalMaxPool2D', GlobalMaxPooling2D.fromConfig],
    ['InputLayer', InputLayer.fromConfig],
    ['Sequential', (c) => Sequential.fromConfig(c, 'Sequential')],
    ['Model', (c) => Sequential.fromConfig(c, 'Model')],
    ['Functional', (c) => Sequential.fromConfig(c, 'Functional')],
  ]);
  return builtins;
}

/** Adds (or replaces) the factory for a Keras class name, so saved models using it can be loaded. */
export function registerLayer(className: string, factory: LayerFactory): void {
  custom.set(className, factory);
}

/** The Keras class names `deserializeLayer` can rebuild. */
export function registeredLayerClasses(): string[] {
  return [...new Set([...builtinFactories().keys(), ...custom.keys()])].sort();
}

/**
 * Rebuilds a layer (or a whole Sequential/linear functional model) from Keras JSON
 * `{ class_name, config }`, as found in model.json's modelTopology or Keras's model_config.
 */
export function deserializeLayer(json: LayerConfig): Layer {
  if (!json || typeof json !== 'object' || typeof json.class_name !== 'string') {
    usageError(
      `Expected a Keras layer config { class_name, config }; found ${JSON.stringify(json)?.slice(0, 200)}.`,
    );
  }
  const factory = custom.get(json.class_name) ?? builtinFactories().get(json.class_name);
  if (!factory) {
    usageError(
      `Unknown layer class '${json.class_name}'; @convkit/layers can rebuild ${registeredLayerClasses().join(', ')}. Register others with registerLayer().`,
    );
  }
  return factory(json.config ?? {});
}
