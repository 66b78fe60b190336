import type { Sequential } from '@convkit/layers';
import type { PixelImage } from '@convkit/tensor';

/** The model the Explain view works on, with its class names and a few images to explain. */
export interface ExplainTarget {
  model: Sequential;
  /** Class names in output order (ImageNet's for VGG16). */
  classes: string[];
  /** How the model wants pixels scaled: 1/255 for the trained nets, 'caffe' for VGG16. */
  preprocessing: 'rescale' | 'caffe';
  /** Images to pick from, at the model's input size. */
  images: PixelImage[];
  /** Where it came from, for the view's heading. */
  source: string;
}

type Listener = (target: ExplainTarget) => void;
const listeners: Listener[] = [];
let current: ExplainTarget | undefined;

/** Makes `target` the model to explain and tells the views. */
export function setExplainTarget(target: ExplainTarget): void {
  current = target;
  for (const listener of listeners) listener(target);
}

/** The model to explain, if one was trained or loaded. */
export function explainTarget(): ExplainTarget | undefined {
  return current;
}

/** Calls `listener` whenever the model to explain changes. */
export function onExplainTarget(listener: Listener): void {
  listeners.push(listener);
}
