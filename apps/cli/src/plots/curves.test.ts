import { decodePng } from '@convkit/image-io';
import { describe, expect, it } from 'vitest';
import { historyPlots, renderCurvesPng } from './curves';
import { plotFontFamily } from './fonts';

const history = {
  acc: [0.5, 0.7, 0.9, 0.99],
  val_acc: [0.5, 0.65, 0.7, 0.68],
  loss: [0.7, 0.5, 0.2, 0.05],
  val_loss: [0.69, 0.6, 0.62, 0.8],
};

function count(
  image: ReturnType<typeof decodePng>,
  test: (r: number, g: number, b: number) => boolean,
  rows?: [number, number],
) {
  let n = 0;
  const c = image.channels;
  const [y0, y1] = rows ?? [0, image.height];
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * c;
      if (test(image.data[i], image.data[i + 1], image.data[i + 2])) n++;
    }
  }
  return n;
}

describe("the chapter's training curves", () => {
  it('names the accuracy and loss series as the chapter does', () => {
    const plots = historyPlots(history);
    expect(plots.accuracy.title).toBe('Training and validation accuracy');
    expect(plots.accuracy.series.map((s) => [s.label, s.values])).toEqual([
      ['Training acc', history.acc],
      ['Validation acc', history.val_acc],
    ]);
    expect(plots.loss.series.map((s) => s.label)).toEqual(['Training loss', 'Validation loss']);
    expect(historyPlots({ accuracy: [1], val_accuracy: [1] }).accuracy.series[0].values).toEqual([1]);
  });

  it('renders a 640x420 PNG with blue training and red validation lines and a readable title', async () => {
    expect(plotFontFamily(), 'a system font for plot text (Debian: fonts-dejavu-core)').not.toBeNull();
    const image = decodePng(await renderCurvesPng(historyPlots(history).accuracy));
    expect([image.width, image.height]).toEqual([640, 420]);
    const blue = count(image, (r, g, b) => b > 150 && r < 80 && g < 120);
    const red = count(image, (r, g, b) => r > 170 && g < 80 && b < 80);
    expect(blue).toBeGreaterThan(200);
    expect(red).toBeGreaterThan(200);
    // The title's glyphs: dark pixels in the top band, where no line is drawn.
    expect(count(image, (r, g, b) => r + g + b < 400, [0, 30])).toBeGreaterThan(100);
  });
});
