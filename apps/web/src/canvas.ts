import { convertChannels, type PixelImage } from '@convkit/tensor';

/** Draws pixels on a canvas at their own size (grey and RGB are expanded to RGBA). */
export function drawPixels(canvas: HTMLCanvasElement, image: PixelImage): void {
  const rgba = convertChannels(image, 4);
  canvas.width = rgba.width;
  canvas.height = rgba.height;
  const data = new ImageData(new Uint8ClampedArray(rgba.data), rgba.width, rgba.height);
  canvas.getContext('2d')!.putImageData(data, 0, 0);
}

/** A new canvas showing `image`, with an optional title (tooltip and data-name for tests). */
export function pixelsCanvas(image: PixelImage, title = ''): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  drawPixels(canvas, image);
  if (title) {
    canvas.title = title;
    canvas.dataset.name = title;
  }
  return canvas;
}

/** Creates an element with attributes and children: a tiny DOM helper for the views. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}
