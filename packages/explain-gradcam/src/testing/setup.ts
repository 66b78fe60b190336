// Test setup: tfjs-core's gradient functions (vitest can load this ESM file; plain node cannot).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
