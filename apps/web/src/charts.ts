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

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Title);

/** A training-vs-validation line chart for one metric (the chapter's two plots). */
export class CurveChart {
  private readonly chart: Chart;

  constructor(
    canvas: HTMLCanvasElement,
    readonly metric: 'acc' | 'loss',
  ) {
    const label = metric === 'acc' ? 'accuracy' : 'loss';
    this.chart = new Chart(canvas, {
      type: 'line',
      data: {
        labels: [],
        datasets: [
          { label: `Training ${label}`, data: [], borderColor: '#1f77b4', backgroundColor: '#1f77b4' },
          { label: `Validation ${label}`, data: [], borderColor: '#ff7f0e', backgroundColor: '#ff7f0e' },
        ],
      },
      options: {
        animation: false,
        responsive: false,
        plugins: { title: { display: true, text: `Training and validation ${label}` } },
        scales: { x: { title: { display: true, text: 'epoch' } } },
      },
    });
  }

  /** Adds one epoch's training and validation values. */
  add(epoch: number, train: number, validation: number | undefined): void {
    this.chart.data.labels!.push(String(epoch + 1));
    this.chart.data.datasets[0].data.push(train);
    this.chart.data.datasets[1].data.push(validation ?? Number.NaN);
    this.chart.update();
    this.chart.canvas.dataset.points = String(this.chart.data.labels!.length);
  }

  /** Removes every point (a new training run). */
  clear(): void {
    this.chart.data.labels = [];
    for (const d of this.chart.data.datasets) d.data = [];
    this.chart.update();
    this.chart.canvas.dataset.points = '0';
  }
}
