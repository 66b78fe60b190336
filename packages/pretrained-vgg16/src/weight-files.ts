/** A Keras weights file: its name in the Keras cache, where Keras downloads it, its size and md5. */
export interface KerasWeightsFile {
  fileName: string;
  url: string;
  bytes: number;
  md5: string;
}

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/';

/** Keras's VGG16 ImageNet weights with the classifier (fc1, fc2, predictions): 528 MiB. */
export const VGG16_WEIGHTS_TOP: KerasWeightsFile = {
  fileName: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5',
  url: `${BASE}vgg16_weights_tf_dim_ordering_tf_kernels.h5`,
  bytes: 553_467_096,
  md5: '64373286793e3c8b2b4e3219cbf3544b',
};

/** Keras's VGG16 ImageNet weights of the convolutional base only (include_top=False): 56 MiB. */
export const VGG16_WEIGHTS_NOTOP: KerasWeightsFile = {
  fileName: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
  url: `${BASE}vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
  bytes: 58_889_256,
  md5: '6d6bbae143d832006294945121d1f1fc',
};

/** The Keras weights file for a VGG16 with or without its classifier. */
export function vgg16WeightsFile(includeTop: boolean): KerasWeightsFile {
  return includeTop ? VGG16_WEIGHTS_TOP : VGG16_WEIGHTS_NOTOP;
}
