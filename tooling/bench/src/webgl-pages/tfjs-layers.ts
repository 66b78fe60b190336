/** Browser page: tfjs-layers' MNIST convnet on tfjs-backend-webgl, for the webgl-draws benchmark. */
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mnistSetup } from '../tfjs-layers-mnist';
import { countDraws, type MeasureSteps } from './count-draws';

const measureSteps: MeasureSteps = async (batch, steps) => {
  await tf.setBackend('webgl');
  const { model, x, y } = mnistSetup(tfl, batch * steps);
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  const { draws, seconds } = await countDraws(() =>
    model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 }),
  );
  return { draws: draws / steps, samplesPerSecond: (batch * steps) / seconds };
};
Object.assign(globalThis, { measureSteps });
