import { initBackend } from '@convkit/tensor';
const a = await initBackend('auto');
console.log(a.summary);
const w = await initBackend('webgpu');
console.log(w.summary);
