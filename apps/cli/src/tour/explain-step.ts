import { basename } from 'node:path';
import { convAndPoolingLayerNames } from '@convkit/explain-activations';
import { readImage, writePng } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import { type PixelImage, pixelsToTensor } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { writeActivationPictures } from '../explain/activation-pictures';
import { writeFilterPicture } from '../explain/filter-picture';
import { writeGradCamPictures } from '../explain/gradcam-pictures';
import { rel, step, type TourContext } from './context';
import type { TourData } from './data-step';

const CLASSES = ['cat', 'dog'];

/**
 * Step 4: looking inside the trained convnet (section 5.4): the activations of every conv and
 * pooling layer for one test cat, the filter patterns of the second conv layer, and Grad-CAM
 * heatmaps over a few test images.
 */
export async function explainStep(t: TourContext, model: Sequential, data: TourData): Promise<void> {
  const s = t.settings;
  step(t, 'Inside the convnet: activations, filter patterns, Grad-CAM');
  const started = performance.now();
  const size: [number, number] = [s.imageSize, s.imageSize];

  // Intermediate activations of one test cat.
  const catFile = data.testFiles.cat[0];
  const cat = await readImage(catFile, { targetSize: size });
  const inputFile = t.stage.path('pictures', 'activation-input.png');
  await writePng(inputFile, cat);
  const activationPictures = await writeActivationPictures(
    model,
    cat,
    t.stage.path('pictures', 'activations'),
  );

  // Filter patterns: an early conv layer (colours, textures) and the last one (parts: eyes, noses).
  const convs = convAndPoolingLayerNames(model).filter((n) => model.getLayer(n).className === 'Conv2D');
  const filterLayers = [...new Set(t.quick ? [convs.at(-1)!] : [convs[1] ?? convs[0], convs.at(-1)!])];
  const filterPictures = [];
  for (const layer of filterLayers) {
    const count = Math.min(s.filters.count, (model.getLayer(layer).outputShape.at(-1) as number) ?? 1);
    const file = t.stage.path('pictures', `filters-${layer}.png`);
    filterPictures.push(
      await writeFilterPicture(model, layer, file, {
        count,
        size: s.imageSize,
        steps: s.filters.steps,
        stepSize: s.filters.stepSize,
        seed: t.ctx.seed,
        inputScale: 1 / 255,
        progress: t.ctx.progress(`filter patterns of ${layer}`, count, 'filters'),
      }),
    );
  }

  // Grad-CAM on test images, half cats and half dogs.
  const picks = Array.from(
    { length: s.gradcamImages },
    (_, i) => data.testFiles[CLASSES[i % 2]][Math.floor(i / 2)],
  );
  const images = await Promise.all(picks.map((f) => readImage(f, { targetSize: size })));
  const files = picks.map((_, i) => t.stage.path('pictures', `gradcam-${i}.png`));
  const cams = await writeGradCamPictures(model, images, files, { displaySize: Math.max(192, s.imageSize) });
  const probabilities = await predictDog(model, images);

  t.results.explain = {
    activations: {
      image: rel(t, catFile),
      layers: activationPictures.map((p) => ({
        layer: p.layer,
        className: p.className,
        channels: p.channels,
        file: rel(t, p.file),
        width: p.width,
        height: p.height,
      })),
    },
    filters: filterPictures.map((f) => ({
      layer: f.layer,
      count: f.filters,
      steps: s.filters.steps,
      stepSize: s.filters.stepSize,
      file: rel(t, f.file),
      width: f.width,
      height: f.height,
    })),
    gradcam: cams.map((c, i) => ({
      image: rel(t, picks[i]),
      label: CLASSES[i % 2],
      pDog: probabilities[i],
      predicted: probabilities[i] >= 0.5 ? 'dog' : 'cat',
      layer: c.layer,
      file: rel(t, c.file),
      width: c.width,
      height: c.height,
    })),
    seconds: (performance.now() - started) / 1000,
  };
  t.sections.push({
    id: 'activations',
    title: 'Intermediate activations',
    paragraphs: [
      `Every channel of every conv and pooling layer for one test image (${basename(catFile)}), laid out as in the chapter: each channel normalised (minus mean, over std, x64, +128), viridis colours. Early layers keep the picture's edges; deeper ones are sparser and more abstract.`,
    ],
    images: [
      { src: rel(t, inputFile), caption: `Input: ${basename(catFile)}`, width: 192, pixelated: true },
      ...activationPictures.map((p) => ({
        src: rel(t, p.file),
        caption: `${p.layer} (${p.className}, ${p.channels} channels)`,
        width: Math.min(1200, Math.max(p.width, 256 * (p.width / p.height >= 4 ? 4 : 1))),
        pixelated: true,
      })),
    ],
  });
  t.sections.push({
    id: 'filters',
    title: 'Filter patterns',
    paragraphs: [
      `Gradient ascent in input space (${s.filters.steps} steps of ${s.filters.stepSize} pixel units from grey noise, gradients normalised by their RMS): for each of the first filters of a layer, the input that makes it respond most. Early layers answer to colours and fine textures; the last conv layer to parts of faces. Filters that never fire stay noise.`,
    ],
    images: filterPictures.map((f) => ({
      src: rel(t, f.file),
      caption: `Filters 0-${f.filters - 1} of ${f.layer}`,
      width: Math.min(600, f.width * 2),
      pixelated: true,
    })),
  });
  t.sections.push({
    id: 'gradcam',
    title: 'Grad-CAM heatmaps',
    paragraphs: [
      `Class activation maps from the last conv layer (${cams[0]?.layer}): which parts of each test image push the prediction towards its class. Jet colours over the image (alpha 0.4), as in the chapter.`,
    ],
    images: cams.map((c, i) => ({
      src: rel(t, c.file),
      caption: `${basename(picks[i])}: p(dog) = ${probabilities[i].toFixed(3)}, predicted ${probabilities[i] >= 0.5 ? 'dog' : 'cat'}`,
      width: c.width,
    })),
  });
}

/** p(dog) for each image: the model's sigmoid output on pixels / 255. */
async function predictDog(model: Sequential, images: PixelImage[]): Promise<number[]> {
  const x = tf.tidy(() => tf.stack(images.map((img) => pixelsToTensor(img, { scale: 1 / 255 }))));
  const y = model.predict(x) as tf.Tensor;
  const values = Array.from(await y.data());
  tf.dispose([x, y]);
  return values;
}
