import { augmentedGrid, imageDataGenerator } from '@convkit/image-augment';
import { decodeImageBlob, resizeImage } from '@convkit/image-io';
import type { PixelImage } from '@convkit/tensor';
import { generatorOptions, SLIDERS } from '../augment-controls';
import { drawPixels, h } from '../canvas';

const SIZE = 150;

/**
 * The Augment view: a photo (the default cat, or one the user drops or picks), a slider per
 * ImageDataGenerator option, and a grid of augmented versions that updates as the sliders move.
 */
export async function mountAugmentView(root: HTMLElement, defaultPhotoUrl: string): Promise<void> {
  const values: Record<string, number> = {};
  const flip = h('input', { type: 'checkbox', checked: '' });
  const vflip = h('input', { type: 'checkbox' });
  const fill = h('select', {}, ...['nearest', 'constant', 'reflect', 'wrap'].map((m) => h('option', {}, m)));
  const file = h('input', { type: 'file', accept: 'image/*', 'data-testid': 'augment-file' });
  const reroll = h('button', { class: 'primary' }, 'New draw');
  const original = h('canvas', { 'data-testid': 'augment-original' });
  const grid = h('canvas', { 'data-testid': 'augment-grid' });
  let seed = 1;
  let image: PixelImage | undefined;

  const controls = h('div', { class: 'panel controls' });
  for (const s of SLIDERS) {
    const out = h('output', {}, String(s.initial));
    const slider = h('input', {
      type: 'range',
      min: String(s.min),
      max: String(s.max),
      step: String(s.step),
      value: String(s.initial),
      'data-option': s.option,
    });
    slider.addEventListener('input', () => {
      values[s.option] = Number(slider.value);
      out.textContent = slider.value;
      void render();
    });
    controls.append(h('label', {}, s.label, slider, out));
  }
  controls.append(
    h('label', {}, 'horizontalFlip', flip),
    h('label', {}, 'verticalFlip', vflip),
    h('label', {}, 'fillMode', fill),
    h('label', {}, 'photo', file),
    reroll,
  );
  for (const el of [flip, vflip, fill]) el.addEventListener('change', () => void render());
  reroll.addEventListener('click', () => {
    seed++;
    void render();
  });
  file.addEventListener('change', () => file.files?.[0] && void load(file.files[0]));
  root.addEventListener('dragover', (e) => e.preventDefault());
  root.addEventListener('drop', (e) => {
    e.preventDefault();
    const dropped = e.dataTransfer?.files[0];
    if (dropped) void load(dropped);
  });
  root.append(
    h(
      'p',
      {},
      'Drop a photo here or pick one; every tile is one random draw of the ImageDataGenerator below.',
    ),
    h(
      'div',
      { class: 'row' },
      controls,
      h('div', { class: 'panel' }, original),
      h('div', { class: 'panel' }, grid),
    ),
  );

  async function load(blob: Blob): Promise<void> {
    const decoded = await decodeImageBlob(blob, { colorMode: 'rgb' });
    image = resizeImage(decoded, SIZE, SIZE, 'bilinear');
    drawPixels(original, image);
    await render();
  }

  /** Draws a new grid; a render started later (the slider moved on) wins over an earlier one. */
  let latest = 0;
  async function render(): Promise<void> {
    if (!image) return;
    const ticket = ++latest;
    const gen = imageDataGenerator(
      generatorOptions(values, {
        horizontalFlip: flip.checked,
        verticalFlip: vflip.checked,
        fillMode: fill.value as 'nearest',
      }),
    );
    const pixels = await augmentedGrid(image, gen, { count: 8, columns: 4, seed });
    if (ticket !== latest) return;
    drawPixels(grid, pixels);
    grid.dataset.seed = String(seed);
    grid.dataset.renders = String(Number(grid.dataset.renders ?? 0) + 1);
  }

  await load(await (await fetch(defaultPhotoUrl)).blob());
}
