import type { Layer } from '../core/layer';
import { formatShape, sizeOf } from '../core/shape';
import { InputLayer } from '../layers/input-layer';

/** Options of `summary()`: the table's width and column stops, as Keras's print_summary takes them. */
export interface SummaryOptions {
  /** Total width of the table (Keras default 65). */
  lineLength?: number;
  /** Right edges of the columns, as fractions of lineLength or absolute (default [0.45, 0.85, 1]). */
  positions?: number[];
}

/** What summary() needs from a model. */
export interface Summarizable {
  name: string;
  summaryLayers(): Layer[];
  readonly trainableWeights: { shape: number[] }[];
  readonly nonTrainableWeights: { shape: number[] }[];
}

/** The Output Shape column for a layer, as Keras prints it. */
export function summaryShape(layer: Layer): string {
  if (layer instanceof InputLayer) return layer.summaryShape();
  return layer.built ? formatShape(layer.outputShape) : '?';
}

/** Keras's print_row: each field cut to its column and padded, one space between columns. */
function row(fields: string[], positions: number[]): string {
  let line = '';
  fields.forEach((field, i) => {
    if (i > 0) line = `${line.slice(0, -1)} `;
    line += field;
    line = line.slice(0, positions[i]);
    line += ' '.repeat(Math.max(0, positions[i] - line.length));
  });
  return line;
}

/** The lines of Keras's model summary table (Layer (type) / Output Shape / Param #, totals). */
export function summaryLines(model: Summarizable, opts: SummaryOptions = {}): string[] {
  const width = opts.lineLength ?? 65;
  const positions = (opts.positions ?? [0.45, 0.85, 1]).map((p, _, all) =>
    all[all.length - 1] <= 1 ? Math.floor(width * p) : p,
  );
  const lines = [`Model: "${model.name}"`, '_'.repeat(width)];
  lines.push(row(['Layer (type)', 'Output Shape', 'Param #'], positions), '='.repeat(width));
  const layers = model.summaryLayers();
  layers.forEach((layer, i) => {
    lines.push(
      row(
        [`${layer.name} (${layer.className})`, summaryShape(layer), String(layer.countParams())],
        positions,
      ),
    );
    lines.push((i === layers.length - 1 ? '=' : '_').repeat(width));
  });
  if (layers.length === 0) lines.push('='.repeat(width));
  const count = (ws: { shape: number[] }[]) => ws.reduce((n, w) => n + sizeOf(w.shape), 0);
  const trainable = count(model.trainableWeights);
  const nonTrainable = count(model.nonTrainableWeights);
  const fmt = (n: number) => n.toLocaleString('en-US');
  lines.push(
    `Total params: ${fmt(trainable + nonTrainable)}`,
    `Trainable params: ${fmt(trainable)}`,
    `Non-trainable params: ${fmt(nonTrainable)}`,
    '_'.repeat(width),
  );
  return lines;
}
