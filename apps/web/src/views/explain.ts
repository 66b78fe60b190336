import {
  activationGrid,
  activations,
  convAndPoolingLayerNames,
  filterGrid,
} from '@convkit/explain-activations';
import { gradCam, lastConvLayer, overlay } from '@convkit/explain-gradcam';
import { decodeImageBlob, resizeImage } from '@convkit/image-io';
import { loadModel } from '@convkit/layers';
import { IMAGENET_CLASS_INDEX, preprocessInput } from '@convkit/pretrained-vgg16';
import { type PixelImage, pixelsToTensor } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type ExplainTarget, explainTarget, onExplainTarget, setExplainTarget } from '../app-state';
import { drawPixels, h, pixelsCanvas } from '../canvas';
import { topK } from '../top-k';

/**
 * The Explain view: for the trained model or one loaded from files or a URL (VGG16 converted by
 * `convkit vgg16 convert`), top-5 predictions, activation grids per layer, filter patterns of a
 * chosen layer, and a Grad-CAM overlay with a class picker and an alpha slider.
 */
export function mountExplainView(root: HTMLElement, defaultPhotoUrl: string): void {
  const heading = h('h2', {}, 'Train a model first, or load one.');
  const files = h('input', { type: 'file', multiple: '', accept: '.json,.bin' });
  const url = h('input', { type: 'url', placeholder: 'https://…/model.json', size: '40' });
  const loadUrl = h('button', { class: 'primary' }, 'Load URL');
  const thumbs = h('div', { class: 'row', 'data-testid': 'explain-images' });
  const preds = h('table', { class: 'preds', 'data-testid': 'predictions' });
  const layerSelect = h('select', { 'data-testid': 'activation-layer' });
  const grid = h('canvas', { 'data-testid': 'activation-grid' });
  const patternLayer = h('select');
  const patternsButton = h('button', { class: 'primary' }, 'Find filter patterns');
  const patterns = h('canvas', { 'data-testid': 'filter-grid' });
  const patternStatus = h('span');
  const classSelect = h('select', { 'data-testid': 'gradcam-class' });
  const alpha = h('input', {
    type: 'range',
    min: '0',
    max: '1',
    step: '0.05',
    value: '0.4',
    'data-testid': 'alpha',
  });
  const cam = h('canvas', { 'data-testid': 'gradcam' });
  const errors = h('p', { class: 'error', 'data-testid': 'explain-error' });
  root.append(
    heading,
    h('div', { class: 'panel' }, 'Load a model (model.json + weights): ', files, ' or ', url, ' ', loadUrl),
    h('div', { class: 'panel' }, h('h3', {}, 'Image'), thumbs),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'panel' }, h('h3', {}, 'Top predictions'), preds),
      h(
        'div',
        { class: 'panel' },
        h('h3', {}, 'Grad-CAM'),
        'class ',
        classSelect,
        ' alpha ',
        alpha,
        h('br'),
        cam,
      ),
    ),
    h('div', { class: 'panel' }, h('h3', {}, 'Activations of '), layerSelect, h('br'), grid),
    h(
      'div',
      { class: 'panel' },
      h('h3', {}, 'Filter patterns of '),
      patternLayer,
      ' ',
      patternsButton,
      ' ',
      patternStatus,
      h('br'),
      patterns,
    ),
    errors,
  );

  let image: PixelImage | undefined;
  let heatmapCache: { key: string; result: Awaited<ReturnType<typeof gradCam>> } | undefined;
  const input = () => {
    const target = explainTarget()!;
    return target.preprocessing === 'caffe'
      ? { preprocess: (x: tf.Tensor4D) => preprocessInput(x) as tf.Tensor4D }
      : {};
  };
  const guard = (fn: () => Promise<void>) => () =>
    fn().catch((error: Error) => {
      errors.textContent = error.message;
    });

  const showPredictions = guard(async () => {
    const target = explainTarget()!;
    const scores = tf.tidy(() => {
      const pixels = tf.expandDims(pixelsToTensor(image!), 0) as tf.Tensor4D;
      const x = target.preprocessing === 'caffe' ? preprocessInput(pixels) : tf.div(pixels, 255);
      return target.model.predict(x as tf.Tensor4D) as tf.Tensor;
    });
    const values = Array.from(await scores.data());
    scores.dispose();
    const ranked =
      values.length === 1
        ? [
            { index: 1, score: values[0] },
            { index: 0, score: 1 - values[0] },
          ]
        : topK(values, 5);
    preds.replaceChildren(
      ...ranked.map((r) =>
        h('tr', {}, h('td', {}, target.classes[r.index] ?? String(r.index)), h('td', {}, r.score.toFixed(4))),
      ),
    );
    classSelect.replaceChildren(
      ...(values.length === 1
        ? [h('option', { value: '0' }, target.classes[1] ?? 'positive')]
        : ranked.map((r) =>
            h('option', { value: String(r.index) }, target.classes[r.index] ?? String(r.index)),
          )),
    );
  });

  const showActivations = guard(async () => {
    const target = explainTarget()!;
    const [activation] = await activations(target.model, image!, { layers: [layerSelect.value], ...input() });
    drawPixels(grid, activationGrid(activation, { imagesPerRow: 16 }).pixels);
    grid.dataset.layer = activation.layerName;
  });

  const showGradCam = guard(async () => {
    const target = explainTarget()!;
    const classIndex = Number(classSelect.value || 0);
    const key = `${target.source}|${thumbs.dataset.selected}|${classIndex}`;
    if (heatmapCache?.key !== key) {
      heatmapCache = { key, result: await gradCam(target.model, image!, { classIndex, ...input() }) };
    }
    drawPixels(cam, overlay(image!, heatmapCache.result.heatmap, { alpha: Number(alpha.value) }).pixels);
    cam.dataset.layer = heatmapCache.result.layerName;
    cam.dataset.alpha = alpha.value;
  });

  const showPatterns = guard(async () => {
    const target = explainTarget()!;
    patternsButton.disabled = true;
    try {
      const result = await filterGrid(target.model, patternLayer.value, {
        count: 16,
        steps: 20,
        seed: 1,
        onProgress: (p) => {
          patternStatus.textContent = `${p.done} / ${p.total}`;
        },
        ...input(),
      });
      drawPixels(patterns, result.pixels);
    } finally {
      patternsButton.disabled = false;
    }
  });

  const selectImage = (picked: PixelImage, index: number) => {
    image = picked;
    thumbs.dataset.selected = String(index);
    void showPredictions().then(() => Promise.all([showActivations(), showGradCam()]));
  };

  const useTarget = async (target: ExplainTarget) => {
    errors.textContent = '';
    heading.textContent = `Explaining ${target.source}`;
    const [, hgt, wid] = target.model.inputShape;
    const colorMode = target.model.inputShape[3] === 1 ? 'grayscale' : 'rgb';
    const photo = await decodeImageBlob(await (await fetch(defaultPhotoUrl)).blob(), { colorMode });
    const images = [...target.images, photo].map((img) =>
      img.width === wid && img.height === hgt
        ? img
        : resizeImage(img, wid ?? img.width, hgt ?? img.height, 'bilinear'),
    );
    thumbs.replaceChildren(
      ...images.map((img, i) => {
        const c = pixelsCanvas(img, `image ${i}`);
        c.addEventListener('click', () => selectImage(img, i));
        return c;
      }),
    );
    const names = convAndPoolingLayerNames(target.model);
    layerSelect.replaceChildren(...names.map((n) => h('option', {}, n)));
    const convNames = names.filter((n) => target.model.getLayer(n).className === 'Conv2D');
    patternLayer.replaceChildren(...convNames.map((n) => h('option', {}, n)));
    patternLayer.value = lastConvLayer(target.model).name;
    selectImage(images[0], 0);
  };

  layerSelect.addEventListener('change', () => void showActivations());
  classSelect.addEventListener('change', () => void showGradCam());
  alpha.addEventListener('input', () => void showGradCam());
  patternsButton.addEventListener('click', () => void showPatterns());
  onExplainTarget((t) => void useTarget(t));

  const loadFrom = guard(async () => {
    const source = files.files?.length
      ? tf.io.browserFiles([...files.files].sort((a) => (a.name.endsWith('.json') ? -1 : 1)))
      : url.value;
    const model = await loadModel(source);
    const units = model.outputShape.at(-1) ?? 1;
    const imagenet = units === 1000;
    setExplainTarget({
      model,
      classes: imagenet
        ? Array.from({ length: 1000 }, (_, i) => IMAGENET_CLASS_INDEX[i][1])
        : Array.from({ length: Math.max(units, 2) }, (_, i) => `class ${i}`),
      preprocessing: imagenet ? 'caffe' : 'rescale',
      images: [],
      source: typeof source === 'string' ? source : 'the model loaded from files',
    });
  });
  files.addEventListener('change', () => void loadFrom());
  loadUrl.addEventListener('click', () => void loadFrom());
}
