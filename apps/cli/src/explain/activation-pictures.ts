import { join } from 'node:path';
import { activationGrid, activations, convAndPoolingLayerNames } from '@convkit/explain-activations';
import { writeFileAtomic } from '@convkit/image-io/node';
import type { Sequential } from '@convkit/layers';
import type { PixelImage } from '@convkit/tensor';

/** One written activation grid: the layer, its PNG file and the picture's size. */
export interface ActivationPicture {
  layer: string;
  className: string;
  file: string;
  width: number;
  height: number;
  channels: number;
}

/**
 * Runs one image through the model and writes the chapter's grid of every channel for each
 * named layer (default: every conv and pooling layer) as `<dir>/<layer>.png`.
 */
export async function writeActivationPictures(
  model: Sequential,
  image: PixelImage,
  dir: string,
  { layers, imagesPerRow = 16 }: { layers?: string[]; imagesPerRow?: number } = {},
): Promise<ActivationPicture[]> {
  const names = layers ?? convAndPoolingLayerNames(model);
  const outputs = await activations(model, image, { layers: names });
  const pictures: ActivationPicture[] = [];
  for (const activation of outputs) {
    const channels = activation.shape[activation.shape.length - 1];
    const grid = activationGrid(activation, { imagesPerRow: Math.min(imagesPerRow, channels) });
    const file = join(dir, `${activation.layerName}.png`);
    await writeFileAtomic(file, grid.png);
    pictures.push({
      layer: activation.layerName,
      className: activation.className,
      file,
      width: grid.pixels.width,
      height: grid.pixels.height,
      channels,
    });
  }
  return pictures;
}
