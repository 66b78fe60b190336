import { gradCam } from '@convkit/explain-gradcam';
import { ensureGradients, getLoss, getMetric, loadModel } from '@convkit/layers';
import {
  type BackendInfo,
  elementwise,
  ew,
  fusedAddSums,
  initBackend,
  replacedGpuKernels,
  setConvAlgorithms,
} from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from './backend';
import { startStatusBar } from './status-bar';
import { mountAugmentView } from './views/augment';
import { mountExplainView } from './views/explain';
import { mountTrainView } from './views/train';

const DEFAULT_PHOTO = `${import.meta.env.BASE_URL}chelsea.png`;
let backend: BackendInfo | undefined;

/**
 * Starts the named backend. One that cannot start here (WebGPU in a browser without it, say)
 * is reported, and the fastest one that starts takes its place, so that the app keeps working.
 */
async function switchBackend(name: string): Promise<void> {
  backend = undefined;
  try {
    backend = await startBackend(name);
  } catch (error) {
    alert(`${(error as Error).message}\n\nconvkit starts the fastest backend that works here instead.`);
    backend = await startBackend('auto');
    select.value = 'auto';
  }
  console.info(backend.summary);
}

function showView(name: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button')) {
    b.classList.toggle('active', b.dataset.view === name);
  }
  for (const v of document.querySelectorAll<HTMLElement>('.view'))
    v.classList.toggle('active', v.id === `view-${name}`);
}

const select = document.querySelector<HTMLSelectElement>('#backend')!;
const params = new URLSearchParams(location.search);
const requested = params.get('backend') ?? 'auto';
select.value = requested;
select.addEventListener('change', () => void switchBackend(select.value));
for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button')) {
  b.addEventListener('click', () => showView(b.dataset.view!));
}
startStatusBar(document.querySelector('#status')!, () => backend);
await switchBackend(requested);
mountTrainView(document.querySelector('#view-train')!, {
  epochs: Number(params.get('epochs') ?? 8),
  perClass: Number(params.get('perClass') ?? 300),
  width: Number(params.get('width') ?? 0.5),
  fashionLimit: Number(params.get('limit') ?? 10000),
});
mountExplainView(document.querySelector('#view-explain')!, DEFAULT_PHOTO);
await mountAugmentView(document.querySelector('#view-augment')!, DEFAULT_PHOTO);
// A console handle (and what the cross-backend parity tests drive): convkit.tf.memory(), etc.
Object.assign(globalThis, {
  convkit: {
    tf,
    initBackend,
    loadModel,
    gradCam,
    ensureGradients,
    getLoss,
    getMetric,
    elementwise,
    ew,
    fusedAddSums,
    setConvAlgorithms,
    replacedGpuKernels,
  },
});
document.body.dataset.ready = 'true';
