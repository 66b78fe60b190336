// Test-only: the same small convnet as the stand-in, built with @convkit/layers (flat and with a
// nested conv base, as the chapter's VGG16 feature-extraction model).
import { conv2d, dense, flatten, maxPooling2d, type Sequential, sequential } from '@convkit/layers';

function base(seed: number) {
  return [
    conv2d({
      filters: 8,
      kernelSize: 3,
      activation: 'relu',
      inputShape: [32, 32, 3],
      name: 'conv2d_1',
      seed,
    }),
    maxPooling2d({ poolSize: 2, name: 'max_pooling2d_1' }),
    conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv2d_2', seed: seed + 1 }),
    maxPooling2d({ poolSize: 2, name: 'max_pooling2d_2' }),
    conv2d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv2d_3', seed: seed + 2 }),
  ];
}

function top(seed: number) {
  return [
    flatten({ name: 'flatten' }),
    dense({ units: 32, activation: 'relu', name: 'dense_1', seed: seed + 3 }),
    dense({ units: 5, activation: 'softmax', name: 'dense_2', seed: seed + 4 }),
  ];
}

/** conv-pool-conv-pool-conv-flatten-dense-dense(softmax) on 32x32x3, one Sequential. */
export function smallConvnet(seed = 1): Sequential {
  return sequential([...base(seed), ...top(seed)], { name: 'small_convnet' });
}

/** The same layers with the convolutions inside a nested Sequential 'conv_base'. */
export function nestedConvnet(seed = 1): Sequential {
  return sequential([sequential(base(seed), { name: 'conv_base' }), ...top(seed)], {
    name: 'nested_convnet',
  });
}
