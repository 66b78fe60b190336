/** Browser page: convkit's MNIST convnet on tfjs-backend-webgl, for the webgl-draws benchmark. */
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { mnistSetup } from '../mnist-convnet';
import { countDraws, type MeasureSteps } from './count-draws';

const measureSteps: MeasureSteps = async (batch, steps) => {
  await tf.setBackend('webgl');
  const { model, x, y } = mnistSetup(batch * steps);
  await model.fit(x, y, { batchSize: batch });
  const { draws, seconds } = await countDraws(() => model.fit(x, y, { batchSize: batch }));
  return { draws: draws / steps, samplesPerSecond: (batch * steps) / seconds };
};
Object.assign(globalThis, { measureSteps });
