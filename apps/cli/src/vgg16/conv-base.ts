import { dense, dropout, flatten, type Sequential, sequential } from '@convkit/layers';
import { CliUsageError } from '../errors';
import { loadVgg16 } from './weights';

/** VGG16's conv base (no classifier) with Keras's weights, for images of `size`. */
export async function loadConvBase(weights: string, size: [number, number]): Promise<Sequential> {
  if (size[0] < 32 || size[1] < 32) {
    throw new CliUsageError(
      `VGG16 needs images of at least 32x32 pixels, got --target-size ${size[0]}x${size[1]}.`,
    );
  }
  return loadVgg16(weights, { includeTop: false, inputShape: [size[0], size[1], 3] });
}

/**
 * The chapter's classifier on VGG16 features: Flatten, Dense(256, relu), Dropout(0.5),
 * Dense(1, sigmoid) for two classes (softmax over `classes` otherwise).
 */
export function featureClassifier(featureShape: number[], classes: number): Sequential {
  return sequential([
    flatten({ inputShape: featureShape }),
    dense({ units: 256, activation: 'relu' }),
    dropout({ rate: 0.5 }),
    classes === 2
      ? dense({ units: 1, activation: 'sigmoid' })
      : dense({ units: classes, activation: 'softmax' }),
  ]);
}
