import { type PixelImage, Random } from '@convkit/tensor';
import { drawFace, faceFeatures, type HeadPose } from './animals';
import { Canvas, circle, ellipse, hsv, polygon, type Rgb, rect, segment } from './raster';

/** The built-in data set's two classes, in Kaggle's Dogs vs. Cats spelling. */
export const BUILTIN_CLASSES = ['cat', 'dog'] as const;

/** One of the built-in data set's classes. */
export type BuiltinClass = (typeof BUILTIN_CLASSES)[number];

/** Options for the built-in data set: image size, how many per class, and the seed. */
export interface BuiltinOptions {
  /** Width and height of every image in pixels (64 by default). */
  size?: number;
  /** The seed every image is drawn from (1 by default). */
  seed?: number | string;
}

/** One image of the built-in set with its Kaggle-style file name (`cat.0.jpg`). */
export interface BuiltinSample {
  label: BuiltinClass;
  index: number;
  filename: string;
  image: PixelImage;
}

/**
 * Draws image `index` of class `label`: a cartoon cat or dog head at a random position, size,
 * tilt and colour, over a cluttered background of random shapes, with pixel noise. The same
 * (label, index, seed, size) always gives the same pixels, and each image can be drawn alone.
 */
export function drawBuiltinImage(
  label: BuiltinClass,
  index: number,
  options: BuiltinOptions = {},
): PixelImage {
  const { size = 64, seed = 1 } = options;
  if (!Number.isInteger(size) || size < 16) {
    throw new RangeError(`Built-in images need an integer size of at least 16 pixels, got ${size}.`);
  }
  if (!BUILTIN_CLASSES.includes(label)) {
    throw new RangeError(`Unknown built-in class '${label}'. Valid classes: ${BUILTIN_CLASSES.join(', ')}.`);
  }
  const rng = new Random(`convkit-builtin:${seed}:${label}:${index}:${size}`);
  const canvas = new Canvas(size, size);
  paintBackground(canvas, rng);
  paintClutter(canvas, rng, rng.int(3, 8), 0.06, 0.24);
  const r = size * rng.uniform(0.19, 0.3);
  const margin = r * 0.6;
  const pose: HeadPose = {
    cx: rng.uniform(margin, size - margin),
    cy: rng.uniform(margin + r * 0.6, size - margin),
    r,
    angle: rng.uniform(-0.6, 0.6),
  };
  drawFace(canvas, pose, faceFeatures(label, rng), rng);
  // A few occluders in front, so a part of the animal is sometimes hidden.
  paintClutter(canvas, rng, rng.int(0, 3), 0.04, 0.12);
  const sigma = rng.uniform(0.01, 0.05);
  canvas.addNoise(() => rng.normal(0, sigma));
  return { width: size, height: size, channels: 3, data: canvas.toBytes() };
}

/**
 * The whole built-in set, `perClass` images of each class in Kaggle's order (cat.0, dog.0,
 * cat.1, ...), drawn lazily one at a time.
 */
export function* builtinDataset(perClass: number, options: BuiltinOptions = {}): Generator<BuiltinSample> {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new RangeError(`perClass must be a positive integer, got ${perClass}.`);
  }
  for (let index = 0; index < perClass; index++) {
    for (const label of BUILTIN_CLASSES) {
      yield {
        label,
        index,
        filename: `${label}.${index}.jpg`,
        image: drawBuiltinImage(label, index, options),
      };
    }
  }
}

function randomColor(rng: Random): Rgb {
  return hsv(rng.uniform(0, 360), rng.uniform(0.1, 0.8), rng.uniform(0.25, 0.95));
}

function paintBackground(canvas: Canvas, rng: Random): void {
  const a = randomColor(rng);
  const b = randomColor(rng);
  const angle = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(angle) / canvas.width;
  const dy = Math.sin(angle) / canvas.height;
  const { width, height } = canvas;
  canvas.paint(
    () => -1,
    [0, 0, width, height],
    (x, y) => {
      const t = Math.min(1, Math.max(0, 0.5 + (x - width / 2) * dx + (y - height / 2) * dy));
      return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
    },
  );
  // Soft blotches: low-frequency texture, like a room or a lawn behind the animal.
  const blotches = rng.int(2, 6);
  for (let i = 0; i < blotches; i++) {
    const s = ellipse(
      rng.uniform(0, width),
      rng.uniform(0, height),
      width * rng.uniform(0.1, 0.4),
      height * rng.uniform(0.1, 0.3),
      rng.uniform(0, Math.PI),
    );
    canvas.paint(s.sdf, s.box, randomColor(rng), rng.uniform(0.15, 0.4));
  }
}

/** Random shapes of both classes' kinds (triangles, ellipses, lines) so no single cue gives the class away. */
function paintClutter(canvas: Canvas, rng: Random, count: number, minSize: number, maxSize: number): void {
  const n = canvas.width;
  for (let i = 0; i < count; i++) {
    const x = rng.uniform(0, n);
    const y = rng.uniform(0, n);
    const s = n * rng.uniform(minSize, maxSize);
    const angle = rng.uniform(0, 2 * Math.PI);
    const kind = rng.int(0, 5);
    const shape =
      kind === 0
        ? circle(x, y, s / 2)
        : kind === 1
          ? ellipse(x, y, s / 2, s * rng.uniform(0.15, 0.4), angle)
          : kind === 2
            ? rect(x, y, s / 2, s * rng.uniform(0.1, 0.5), angle)
            : kind === 3
              ? polygon([
                  [x + s * Math.cos(angle), y + s * Math.sin(angle)],
                  [x + s * 0.6 * Math.cos(angle + 2.2), y + s * 0.6 * Math.sin(angle + 2.2)],
                  [x + s * 0.6 * Math.cos(angle - 2.2), y + s * 0.6 * Math.sin(angle - 2.2)],
                ])
              : segment(x, y, x + s * Math.cos(angle), y + s * Math.sin(angle), rng.uniform(0.8, 2.5));
    canvas.paint(shape.sdf, shape.box, randomColor(rng), rng.uniform(0.5, 1));
  }
}
