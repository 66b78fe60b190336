/** How big each part of the tour is: the full run (under 5 minutes on 2 cores) or --quick (under 1 minute). */
export interface TourSettings {
  /** Built-in images: size in pixels, and per-class counts of each split. */
  imageSize: number;
  train: number;
  validation: number;
  test: number;
  /** The small convnet: the chapter's cats-dogs network at this width. */
  width: number;
  batchSize: number;
  learningRate: number;
  plainEpochs: number;
  augmentedEpochs: number;
  dropout: number;
  /** Filter patterns: how many filters, pattern size, gradient-ascent steps and step size. */
  filters: { count: number; size: number; steps: number; stepSize: number };
  gradcamImages: number;
  /** Fashion-MNIST: training samples, test samples, epochs. */
  fashion: { train: number; test: number; epochs: number };
  /** VGG16 feature extraction: samples per split, classifier epochs. */
  vgg16: { train: number; validation: number; test: number; epochs: number };
}

/** The full tour. */
export const FULL_TOUR: TourSettings = {
  imageSize: 64,
  train: 150,
  validation: 100,
  test: 100,
  width: 0.5,
  batchSize: 32,
  learningRate: 1e-3,
  plainEpochs: 20,
  augmentedEpochs: 30,
  dropout: 0.5,
  filters: { count: 16, size: 64, steps: 40, stepSize: 5 },
  gradcamImages: 4,
  fashion: { train: 8000, test: 10000, epochs: 2 },
  vgg16: { train: 500, validation: 200, test: 200, epochs: 10 },
};

/** `convkit tour --quick`: every step, each much smaller (for tests and a first look). */
export const QUICK_TOUR: TourSettings = {
  imageSize: 64,
  train: 40,
  validation: 20,
  test: 20,
  width: 0.25,
  batchSize: 20,
  learningRate: 1e-3,
  plainEpochs: 2,
  augmentedEpochs: 2,
  dropout: 0.5,
  filters: { count: 4, size: 48, steps: 8, stepSize: 5 },
  gradcamImages: 2,
  fashion: { train: 1000, test: 1000, epochs: 1 },
  vgg16: { train: 40, validation: 20, test: 20, epochs: 2 },
};
