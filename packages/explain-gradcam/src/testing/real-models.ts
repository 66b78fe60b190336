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

/**
 * VGG16's layout and names (13 same-padded 3x3 convs in five blocks, pools, flatten, fc1, fc2,
 * predictions) with its conv widths, at a small input size and a small classifier.
 */
export function vgg16Shaped(size = 48, fc = 64, classes = 10): Sequential {
  const blocks: [number, number, number][] = [
    [1, 64, 2],
    [2, 128, 2],
    [3, 256, 3],
    [4, 512, 3],
    [5, 512, 3],
  ];
  let seed = 100;
  const layers = blocks.flatMap(([b, filters, n]) => [
    ...Array.from({ length: n }, (_, i) =>
      conv2d({
        filters,
        kernelSize: 3,
        activation: 'relu',
        padding: 'same',
        name: `block${b}_conv${i + 1}`,
        seed: seed++,
        ...(b === 1 && i === 0 ? { inputShape: [size, size, 3] as [number, number, number] } : {}),
      }),
    ),
    maxPooling2d({ poolSize: 2, strides: 2, name: `block${b}_pool` }),
  ]);
  return sequential(
    [
      ...layers,
      flatten({ name: 'flatten' }),
      dense({ units: fc, activation: 'relu', name: 'fc1', seed: seed++ }),
      dense({ units: fc, activation: 'relu', name: 'fc2', seed: seed++ }),
      dense({ units: classes, activation: 'softmax', name: 'predictions', seed: seed++ }),
    ],
    { name: 'vgg16' },
  );
}
