import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './program';

// Production mode: no "install tfjs-node" banner from the cpu backend, no debug checks.
tf.env().set('PROD', true);
process.exitCode = await runCli(process.argv);
