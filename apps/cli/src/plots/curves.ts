import { createCanvas } from '@napi-rs/canvas';
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
} from 'chart.js';
import { plotFontFamily } from './fonts';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Title);

/** One line on a plot: label, values per epoch, and the chapter's style (dots or squares). */
export interface CurveSeries {
  label: string;
  values: number[];
  /** 'training' is blue with dots ('bo-'), 'validation' red with squares ('sr-'), as in the chapter. */
  kind: 'training' | 'validation';
}

/** What `renderCurvesPng` draws: a title, the series and the picture size in pixels. */
export interface CurvesPlot {
  title: string;
  yLabel: string;
  series: CurveSeries[];
  width?: number;
  height?: number;
}

const STYLE = {
  training: { color: '#1f4fd1', point: 'circle' as const },
  validation: { color: '#d62728', point: 'rect' as const },
};

/**
 * Renders the chapter's training-vs-validation plot (x: epoch 1..n) to PNG bytes with Chart.js
 * on a Skia canvas.
 */
export async function renderCurvesPng(plot: CurvesPlot): Promise<Uint8Array> {
  const { width = 640, height = 420 } = plot;
  const epochs = Math.max(0, ...plot.series.map((s) => s.values.length));
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  const family = plotFontFamily() ?? 'sans-serif';
  const chart = new Chart(ctx as unknown as CanvasRenderingContext2D, {
    type: 'line',
    data: {
      labels: Array.from({ length: epochs }, (_, i) => String(i + 1)),
      datasets: plot.series.map((s) => ({
        label: s.label,
        data: s.values,
        borderColor: STYLE[s.kind].color,
        backgroundColor: STYLE[s.kind].color,
        pointStyle: STYLE[s.kind].point,
        pointRadius: epochs > 40 ? 2 : 4,
        borderWidth: 2,
        tension: 0,
      })),
    },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      font: { family, size: 13 },
      plugins: {
        title: { display: true, text: plot.title, font: { family, size: 16, weight: 'bold' } },
        legend: { position: 'bottom', labels: { usePointStyle: true, font: { family } } },
      },
      scales: {
        x: { title: { display: true, text: 'Epochs', font: { family } }, ticks: { font: { family } } },
        y: { title: { display: true, text: plot.yLabel, font: { family } }, ticks: { font: { family } } },
      },
    },
  });
  chart.draw();
  const png = await canvas.encode('png');
  chart.destroy();
  return new Uint8Array(png);
}

/** Keras history (acc/accuracy, loss, val_*) as the chapter's two plots: accuracy and loss. */
export function historyPlots(
  history: Record<string, number[]>,
  titleSuffix = '',
): { accuracy: CurvesPlot; loss: CurvesPlot } {
  const accKey = ['acc', 'accuracy'].find((k) => history[k]) ?? 'acc';
  const suffix = titleSuffix ? ` (${titleSuffix})` : '';
  return {
    accuracy: {
      title: `Training and validation accuracy${suffix}`,
      yLabel: 'Accuracy',
      series: [
        { label: 'Training acc', values: history[accKey] ?? [], kind: 'training' },
        { label: 'Validation acc', values: history[`val_${accKey}`] ?? [], kind: 'validation' },
      ],
    },
    loss: {
      title: `Training and validation loss${suffix}`,
      yLabel: 'Loss',
      series: [
        { label: 'Training loss', values: history.loss ?? [], kind: 'training' },
        { label: 'Validation loss', values: history.val_loss ?? [], kind: 'validation' },
      ],
    },
  };
}
