import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './program';

// Production mode: no "install tfjs-node" banner from the cpu backend, no debug checks.
tf.env().set('PROD', true);
const code = await runCli(process.argv);
process.exitCode = code;
// The wasm backend's worker threads can keep the event loop alive after the work is done:
// exit as soon as stdout and stderr are flushed.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
