import { builtinDataset } from '@convkit/cli/dataset';
import type { Sequential } from '@convkit/layers';
import { saveModel } from '@convkit/layers';
import type { PixelImage } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { setExplainTarget } from '../app-state';
import { h } from '../canvas';
import { CurveChart } from '../charts';
import { builtinTrainingData, fashionMnistFromFiles, type TrainingData } from '../training-data';
import { browserConvnet } from '../web-model';

/**
 * The Train view: the chapter's small convnet trained in the browser on the built-in set (or
 * Fashion-MNIST files the user drops), with live accuracy and loss curves, stop, resume and save.
 */
export function mountTrainView(
  root: HTMLElement,
  { epochs = 8, perClass = 300, width = 0.5, fashionLimit = 10000 } = {},
): void {
  const epochsInput = h('input', {
    type: 'number',
    min: '1',
    max: '100',
    value: String(epochs),
    'data-testid': 'epochs',
  });
  const train = h('button', { class: 'primary', 'data-testid': 'train' }, 'Train');
  const stop = h('button', { class: 'primary', disabled: '' }, 'Stop');
  const resume = h('button', { class: 'primary', disabled: '' }, 'Resume');
  const save = h('button', { class: 'primary', disabled: '' }, 'Save to browser storage');
  const download = h('button', { class: 'primary', disabled: '' }, 'Download model');
  const idx = h('input', { type: 'file', multiple: '', 'data-testid': 'idx-files' });
  const log = h('pre', { 'data-testid': 'train-log' });
  const accCanvas = h('canvas', { class: 'chart', width: '480', height: '300', 'data-testid': 'acc-chart' });
  const lossCanvas = h('canvas', {
    class: 'chart',
    width: '480',
    height: '300',
    'data-testid': 'loss-chart',
  });
  root.append(
    h(
      'div',
      { class: 'panel' },
      h(
        'p',
        {},
        'Data: the built-in cats and dogs (64x64, drawn in your browser), or drop the four Fashion-MNIST IDX files: ',
      ),
      idx,
      h('p', {}, 'Epochs ', epochsInput, ' ', train, ' ', stop, ' ', resume, ' ', save, ' ', download),
    ),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'panel' }, accCanvas),
      h('div', { class: 'panel' }, lossCanvas),
    ),
    h('div', { class: 'panel' }, log),
  );
  const accChart = new CurveChart(accCanvas, 'acc');
  const lossChart = new CurveChart(lossCanvas, 'loss');

  let data: TrainingData | undefined;
  let model: Sequential | undefined;
  let epochsDone = 0;
  let stopRequested = false;
  const say = (line: string) => {
    log.textContent += `${line}\n`;
  };

  async function run(fresh: boolean): Promise<void> {
    for (const b of [train, resume, save, download]) b.disabled = true;
    stop.disabled = false;
    stopRequested = false;
    try {
      if (fresh) {
        if (!data) {
          say('Drawing the built-in data set…');
          data = builtinTrainingData(perClass);
        }
        model?.dispose();
        const [, hgt, wid, ch] = data.train[0].shape;
        model = browserConvnet([hgt, wid, ch], data.classes.length, width);
        model.compile({
          optimizer: { name: 'rmsprop', learningRate: 1e-3 },
          loss: data.classes.length === 2 ? 'binary_crossentropy' : 'categorical_crossentropy',
          metrics: ['acc'],
        });
        epochsDone = 0;
        accChart.clear();
        lossChart.clear();
        say(`Training on ${data.name}: ${data.train[0].shape[0]} images, ${model.countParams()} parameters.`);
      }
      const active = model!;
      const epochs = epochsDone + Number(epochsInput.value);
      await active.fit(data!.train[0], data!.train[1], {
        epochs,
        initialEpoch: epochsDone,
        batchSize: 32,
        validationData: data!.validation,
        callbacks: {
          onBatchEnd: async () => {
            if (stopRequested) active.stopTraining = true;
            await tf.nextFrame();
          },
          onEpochEnd: (epoch, logs) => {
            epochsDone = epoch + 1;
            accChart.add(epoch, logs.acc, logs.val_acc);
            lossChart.add(epoch, logs.loss, logs.val_loss);
            say(
              `epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)} acc ${logs.acc.toFixed(4)} val_loss ${logs.val_loss.toFixed(4)} val_acc ${logs.val_acc.toFixed(4)}`,
            );
          },
        },
      });
      say(stopRequested ? `Stopped after epoch ${epochsDone}.` : 'Done.');
      setExplainTarget({
        model: active,
        classes: data!.classes,
        preprocessing: 'rescale',
        images: explainImages(data!),
        source: `the model trained here on ${data!.name}`,
      });
    } catch (error) {
      say(`Error: ${(error as Error).message}`);
    } finally {
      train.disabled = false;
      stop.disabled = true;
      for (const b of [resume, save, download]) b.disabled = !model;
    }
  }

  train.addEventListener('click', () => void run(true));
  resume.addEventListener('click', () => void run(false));
  stop.addEventListener('click', () => {
    stopRequested = true;
    say('Stopping after this epoch…');
  });
  save.addEventListener('click', async () => {
    await saveModel(model!, 'indexeddb://convkit-web-model');
    say('Saved to browser storage as indexeddb://convkit-web-model.');
  });
  download.addEventListener('click', () => void saveModel(model!, 'downloads://convkit-model'));
  idx.addEventListener('change', async () => {
    try {
      data = await fashionMnistFromFiles([...(idx.files ?? [])], fashionLimit);
      say(`Loaded ${data.name}: ${data.train[0].shape[0]} training images. Press Train.`);
    } catch (error) {
      say(`Error: ${(error as Error).message}`);
    }
  });
}

/** A few validation images as pixels for the Explain view. */
function explainImages(data: TrainingData): PixelImage[] {
  if (data.classes.length === 2) {
    return [...builtinDataset(2, { size: data.train[0].shape[1], seed: 'explain' })].map((s) => s.image);
  }
  return tf.tidy(() => {
    const x = tf.mul(tf.slice(data.validation[0], [0, 0, 0, 0], [4, -1, -1, -1]), 255);
    const values = x.dataSync();
    const [n, hgt, wid] = x.shape;
    return Array.from({ length: n }, (_, i) => ({
      width: wid,
      height: hgt,
      channels: 1 as const,
      data: Uint8Array.from(values.subarray(i * hgt * wid, (i + 1) * hgt * wid), (v) => Math.round(v)),
    }));
  });
}
