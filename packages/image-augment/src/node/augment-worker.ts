/**
 * Worker-thread entry of flowFromDirectory: reads and decodes a batch's files (sharp, as Keras's
 * load_img), applies each file's transform in plain JavaScript (transformPixels) and the rescale,
 * and sends back one float32 array for the batch. It makes no tensors.
 */
import { parentPort } from 'node:worker_threads';
import { ImageDecodeError } from '@convkit/image-io';
import { readImage } from '@convkit/image-io/node';
import { augmentFile } from './augment-file';
import type { AugmentRequest, AugmentResponse } from './worker-protocol';

async function handle(
  request: AugmentRequest,
): Promise<{ response: AugmentResponse; transfer: ArrayBuffer[] }> {
  const [height, width] = request.load.targetSize;
  const channels = request.load.colorMode === 'grayscale' ? 1 : request.load.colorMode === 'rgba' ? 4 : 3;
  const size = height * width * channels;
  const data = new Float32Array(request.paths.length * size);
  const ok: boolean[] = [];
  const failures: { index: number; reason: string }[] = [];
  // Files decode in parallel on sharp's threads; each is transformed as soon as it arrives.
  await Promise.all(
    request.paths.map(async (path, k) => {
      try {
        const image = await readImage(path, request.load);
        augmentFile(image, request.params[k], request, data.subarray(k * size, (k + 1) * size));
        ok[k] = true;
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        failures.push({ index: k, reason: error.reason });
      }
    }),
  );
  const kept: number[] = [];
  request.paths.forEach((_, k) => {
    if (!ok[k]) return;
    if (kept.length !== k) data.copyWithin(kept.length * size, k * size, (k + 1) * size);
    kept.push(k);
  });
  const packed = kept.length === request.paths.length ? data : data.slice(0, kept.length * size);
  failures.sort((a, b) => a.index - b.index);
  return {
    response: { id: request.id, data: packed, kept, failures },
    transfer: [packed.buffer as ArrayBuffer],
  };
}

const port = parentPort;
if (!port) throw new Error('@convkit/image-augment: augment-worker must run in a worker thread.');
port.on('message', (request: AugmentRequest) => {
  handle(request).then(
    ({ response, transfer }) => port.postMessage(response, transfer),
    (error: Error) =>
      port.postMessage({
        id: request.id,
        error: { message: String(error?.message ?? error), stack: error?.stack },
      }),
  );
});
