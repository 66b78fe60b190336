/** Browser page: tfjs-layers' MNIST convnet on tfjs-backend-webgl, for the webgl-draws benchmark. */
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mnistSetup } from '../tfjs-layers-mnist';
import { countDraws, type DrawsPerStep } from './count-draws';

const drawsPerStep: DrawsPerStep = async (batch, steps) => {
  await tf.setBackend('webgl');
  const { model, x, y } = mnistSetup(tfl, batch * steps);
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  const draws = await countDraws(() => model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 }));
  return draws / steps;
};
Object.assign(globalThis, { drawsPerStep });
