import type { PixelImage } from '@convkit/tensor';

/**
 * Lays RGB or grey images out in a grid (row-major) with `margin` pixels of `background`
 * between them; every image is drawn at its own size in a cell as large as the largest one.
 */
export function tileImages(
  images: PixelImage[],
  { columns, margin = 2, background = 255 }: { columns: number; margin?: number; background?: number },
): PixelImage {
  if (images.length === 0) throw new RangeError('tileImages needs at least one image.');
  const cellW = Math.max(...images.map((i) => i.width));
  const cellH = Math.max(...images.map((i) => i.height));
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const width = cols * cellW + (cols + 1) * margin;
  const height = rows * cellH + (rows + 1) * margin;
  const data = new Uint8Array(width * height * 3).fill(background);
  images.forEach((img, k) => {
    const ox = margin + (k % cols) * (cellW + margin);
    const oy = margin + Math.floor(k / cols) * (cellH + margin);
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const s = (y * img.width + x) * img.channels;
        const d = ((oy + y) * width + ox + x) * 3;
        const grey = img.channels === 1;
        data[d] = img.data[s];
        data[d + 1] = grey ? img.data[s] : img.data[s + 1];
        data[d + 2] = grey ? img.data[s] : img.data[s + 2];
      }
    }
  });
  return { width, height, channels: 3, data };
}
