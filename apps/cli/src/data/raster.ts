/**
 * A tiny anti-aliased rasteriser for the built-in data set: shapes are signed distance
 * functions in pixel units (negative inside), painted over a float RGB canvas with coverage
 * clamp(0.5 - d, 0, 1). Pure arithmetic, so it runs the same in node and in the browser.
 */

/** The length of the vector (x, y) (faster than Math.hypot). */
function len(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

/** An RGB colour with components in 0..1. */
export type Rgb = [number, number, number];

/** A signed distance in pixels from (x, y) to a shape's edge; negative inside. */
export type Sdf = (x: number, y: number) => number;

/** An axis-aligned box [x0, y0, x1, y1] in pixels that contains a shape. */
export type Box = [number, number, number, number];

/** A float RGB canvas that shapes are painted on. */
export class Canvas {
  readonly data: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height * 3);
  }

  /** Fills every pixel with `color`. */
  clear(color: Rgb): void {
    for (let i = 0; i < this.data.length; i += 3) {
      this.data[i] = color[0];
      this.data[i + 1] = color[1];
      this.data[i + 2] = color[2];
    }
  }

  /**
   * Paints a shape: each pixel in `box` is blended towards `color(x, y)` by the shape's
   * coverage times `alpha`.
   */
  paint(sdf: Sdf, box: Box, color: Rgb | ((x: number, y: number) => Rgb), alpha = 1): void {
    const x0 = Math.max(0, Math.floor(box[0]));
    const y0 = Math.max(0, Math.floor(box[1]));
    const x1 = Math.min(this.width, Math.ceil(box[2]));
    const y1 = Math.min(this.height, Math.ceil(box[3]));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const coverage = Math.min(1, Math.max(0, 0.5 - sdf(px, py))) * alpha;
        if (coverage <= 0) continue;
        const c = typeof color === 'function' ? color(px, py) : color;
        const i = (y * this.width + x) * 3;
        this.data[i] += (c[0] - this.data[i]) * coverage;
        this.data[i + 1] += (c[1] - this.data[i + 1]) * coverage;
        this.data[i + 2] += (c[2] - this.data[i + 2]) * coverage;
      }
    }
  }

  /** Adds `noise()` (in 0..1 units) to every component. */
  addNoise(noise: () => number): void {
    for (let i = 0; i < this.data.length; i++) this.data[i] += noise();
  }

  /** The canvas as interleaved uint8 RGB pixels (rounded, clipped). */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(this.data[i] * 255)));
    return out;
  }
}

/** A circle of radius r centred at (cx, cy). */
export function circle(cx: number, cy: number, r: number): { sdf: Sdf; box: Box } {
  return {
    sdf: (x, y) => len(x - cx, y - cy) - r,
    box: [cx - r - 1, cy - r - 1, cx + r + 1, cy + r + 1],
  };
}

/** An ellipse with semi-axes (a, b), rotated by `angle` radians about its centre (approximate SDF). */
export function ellipse(cx: number, cy: number, a: number, b: number, angle = 0): { sdf: Sdf; box: Box } {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const m = Math.max(a, b) + 1;
  return {
    sdf: (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin) / a;
      const v = (-dx * sin + dy * cos) / b;
      const k = len(u, v);
      // Distance along the ray, scaled by the local radius: exact on circles, close elsewhere.
      return k === 0 ? -Math.min(a, b) : (k - 1) * (len(dx, dy) / k);
    },
    box: [cx - m, cy - m, cx + m, cy + m],
  };
}

/** A line segment from (ax, ay) to (bx, by) with rounded ends, `width` pixels thick. */
export function segment(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  width: number,
): { sdf: Sdf; box: Box } {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1;
  const h = width / 2;
  return {
    sdf: (x, y) => {
      const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / len2));
      return len(x - ax - t * dx, y - ay - t * dy) - h;
    },
    box: [
      Math.min(ax, bx) - h - 1,
      Math.min(ay, by) - h - 1,
      Math.max(ax, bx) + h + 1,
      Math.max(ay, by) + h + 1,
    ],
  };
}

/** A convex or concave polygon given as [x, y] vertices (exact SDF). */
export function polygon(points: [number, number][]): { sdf: Sdf; box: Box } {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return {
    sdf: (x, y) => {
      let d = Number.POSITIVE_INFINITY;
      let inside = false;
      for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const [xi, yi] = points[i];
        const [xj, yj] = points[j];
        const ex = xj - xi;
        const ey = yj - yi;
        const wx = x - xi;
        const wy = y - yi;
        const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey || 1)));
        d = Math.min(d, len(wx - ex * t, wy - ey * t));
        if (yi > y !== yj > y && x < (xj - xi) * ((y - yi) / (yj - yi)) + xi) inside = !inside;
      }
      return inside ? -d : d;
    },
    box: [Math.min(...xs) - 1, Math.min(...ys) - 1, Math.max(...xs) + 1, Math.max(...ys) + 1],
  };
}

/** A rectangle with half-sizes (hw, hh) centred at (cx, cy), rotated by `angle` radians. */
export function rect(cx: number, cy: number, hw: number, hh: number, angle = 0): { sdf: Sdf; box: Box } {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const corner = (u: number, v: number): [number, number] => [cx + u * c - v * s, cy + u * s + v * c];
  return polygon([corner(-hw, -hh), corner(hw, -hh), corner(hw, hh), corner(-hw, hh)]);
}

/** The part of shape `a` that is inside shape `b` (for patterns clipped to a body). */
export function intersect(a: { sdf: Sdf; box: Box }, b: { sdf: Sdf; box: Box }): { sdf: Sdf; box: Box } {
  return {
    sdf: (x, y) => Math.max(a.sdf(x, y), b.sdf(x, y)),
    box: [
      Math.max(a.box[0], b.box[0]),
      Math.max(a.box[1], b.box[1]),
      Math.min(a.box[2], b.box[2]),
      Math.min(a.box[3], b.box[3]),
    ],
  };
}

/** Converts HSV (h in degrees, s and v in 0..1) to RGB. */
export function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** `color` scaled towards black (k < 1) or white (k > 1). */
export function shade(color: Rgb, k: number): Rgb {
  return k <= 1
    ? [color[0] * k, color[1] * k, color[2] * k]
    : [
        color[0] + (1 - color[0]) * (k - 1),
        color[1] + (1 - color[1]) * (k - 1),
        color[2] + (1 - color[2]) * (k - 1),
      ];
}
