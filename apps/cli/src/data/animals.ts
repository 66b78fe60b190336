import type { Random } from '@convkit/tensor';
import {
  type Box,
  type Canvas,
  circle,
  ellipse,
  intersect,
  polygon,
  type Rgb,
  type Sdf,
  segment,
  shade,
} from './raster';

/** Where and how an animal's head is drawn: centre, radius and tilt, in pixels and radians. */
export interface HeadPose {
  cx: number;
  cy: number;
  r: number;
  angle: number;
}

type Shape = { sdf: Sdf; box: Box };

/** Maps face coordinates (u right, v down, in head radii) to image pixels. */
function frame(pose: HeadPose): (u: number, v: number) => [number, number] {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  return (u, v) => [pose.cx + pose.r * (u * c - v * s), pose.cy + pose.r * (u * s + v * c)];
}

/** Fur colours shared by both classes, so colour alone never tells them apart. */
export function furColor(rng: Random): Rgb {
  const palette: Rgb[] = [
    [0.55, 0.35, 0.18], // brown
    [0.85, 0.6, 0.3], // ginger
    [0.3, 0.28, 0.26], // dark grey
    [0.92, 0.88, 0.8], // cream
    [0.65, 0.62, 0.58], // grey
    [0.15, 0.13, 0.12], // black
    [0.8, 0.72, 0.55], // sand
  ];
  const base = palette[rng.int(0, palette.length)];
  const k = rng.uniform(0.85, 1.15);
  return [
    Math.min(1, base[0] * k + rng.normal(0, 0.03)),
    Math.min(1, base[1] * k + rng.normal(0, 0.03)),
    Math.min(1, base[2] * k + rng.normal(0, 0.03)),
  ];
}

/** Paints the head disc with one of the shared coat patterns (plain, stripes, spots). */
function paintHead(canvas: Canvas, head: Shape, pose: HeadPose, fur: Rgb, rng: Random): void {
  canvas.paint(head.sdf, head.box, fur);
  const pattern = rng.int(0, 3);
  const dark = shade(fur, rng.uniform(0.45, 0.7));
  const at = frame(pose);
  if (pattern === 1) {
    const angle = pose.angle + rng.uniform(-0.5, 0.5) + Math.PI / 2;
    const period = pose.r * rng.uniform(0.35, 0.55);
    const [ox, oy] = at(0, 0);
    const stripes: Sdf = (x, y) => {
      const t = ((x - ox) * Math.cos(angle) + (y - oy) * Math.sin(angle)) / period;
      return (Math.abs(t - Math.round(t)) - 0.2) * period;
    };
    const clipped = intersect({ sdf: stripes, box: head.box }, head);
    canvas.paint(clipped.sdf, clipped.box, dark, 0.8);
  } else if (pattern === 2) {
    const spots = rng.int(2, 5);
    for (let i = 0; i < spots; i++) {
      const [x, y] = at(rng.uniform(-0.7, 0.7), rng.uniform(-0.7, 0.7));
      const spot = intersect(
        ellipse(
          x,
          y,
          pose.r * rng.uniform(0.2, 0.4),
          pose.r * rng.uniform(0.15, 0.3),
          rng.uniform(0, Math.PI),
        ),
        head,
      );
      canvas.paint(spot.sdf, spot.box, dark, 0.9);
    }
  }
}

/** The parts an animal's face is drawn with; each class prefers some, as real breeds vary. */
export interface FaceFeatures {
  ears: 'pointed' | 'folded' | 'floppy';
  eyes: 'slit' | 'round';
  nose: 'small' | 'big';
  whiskers: boolean;
  snout: boolean;
  tongue: boolean;
}

/** How often each feature appears per class: no single one decides, together they usually do. */
const FEATURE_ODDS = {
  cat: { pointed: 0.8, folded: 0.15, slit: 0.8, small: 0.85, whiskers: 0.75, snout: 0.1, tongue: 0.03 },
  dog: { pointed: 0.3, folded: 0.1, slit: 0.1, small: 0.15, whiskers: 0.15, snout: 0.7, tongue: 0.35 },
};

/** Draws a face's features for a class. */
export function faceFeatures(label: 'cat' | 'dog', rng: Random): FaceFeatures {
  const odds = FEATURE_ODDS[label];
  const e = rng.next();
  return {
    ears: e < odds.pointed ? 'pointed' : e < odds.pointed + odds.folded ? 'folded' : 'floppy',
    eyes: rng.next() < odds.slit ? 'slit' : 'round',
    nose: rng.next() < odds.small ? 'small' : 'big',
    whiskers: rng.next() < odds.whiskers,
    snout: rng.next() < odds.snout,
    tongue: rng.next() < odds.tongue,
  };
}

/**
 * A cartoon cat or dog head: ears (pointed, folded or floppy), eyes (slit or round pupils),
 * nose, whiskers, snout patch and tongue, as `features` says, over a coat of a shared colour
 * and pattern.
 */
export function drawFace(canvas: Canvas, pose: HeadPose, features: FaceFeatures, rng: Random): void {
  const at = frame(pose);
  const fur = furColor(rng);
  const earColor = rng.next() < 0.5 ? shade(fur, rng.uniform(0.5, 0.8)) : fur;
  if (features.ears === 'pointed') {
    const inner: Rgb = shade([0.93, 0.62, 0.65], rng.uniform(0.8, 1.05));
    const earLength = rng.uniform(1.4, 1.75);
    const earSpread = rng.uniform(0.55, 0.8);
    for (const side of [-1, 1]) {
      const tipU = side * (earSpread + rng.uniform(-0.1, 0.1));
      const outer = polygon([at(side * 0.92, -0.3), at(side * 0.2, -0.92), at(tipU, -earLength)]);
      canvas.paint(outer.sdf, outer.box, earColor);
      if (rng.next() < 0.6) {
        const pink = polygon([
          at(side * 0.72, -0.45),
          at(side * 0.35, -0.8),
          at(tipU * 0.95, -earLength + 0.3),
        ]);
        canvas.paint(pink.sdf, pink.box, inner);
      }
    }
  } else if (features.ears === 'folded') {
    for (const side of [-1, 1]) {
      const [x, y] = at(side * 0.55, -0.78);
      const ear = ellipse(x, y, pose.r * 0.34, pose.r * 0.22, pose.angle + side * 0.5);
      canvas.paint(ear.sdf, ear.box, earColor);
    }
  }
  const head = ellipse(
    pose.cx,
    pose.cy,
    pose.r * rng.uniform(0.95, 1.1),
    pose.r * rng.uniform(0.9, 1.08),
    pose.angle,
  );
  paintHead(canvas, head, pose, fur, rng);
  if (features.ears === 'floppy') {
    const earLength = rng.uniform(0.6, 0.85);
    const earDrop = rng.uniform(0.05, 0.35);
    for (const side of [-1, 1]) {
      const [x, y] = at(side * rng.uniform(0.85, 1.0), earDrop);
      const ear = ellipse(
        x,
        y,
        pose.r * rng.uniform(0.24, 0.32),
        pose.r * earLength,
        pose.angle - side * rng.uniform(0.1, 0.4),
      );
      canvas.paint(ear.sdf, ear.box, earColor);
    }
  }
  if (features.snout) {
    const [sx, sy] = at(0, 0.45);
    const snout = ellipse(sx, sy, pose.r * 0.45, pose.r * 0.33, pose.angle);
    canvas.paint(snout.sdf, snout.box, shade(fur, rng.uniform(1.3, 1.6)));
  }
  const iris: Rgb = [
    [0.55, 0.75, 0.2],
    [0.85, 0.7, 0.15],
    [0.35, 0.55, 0.8],
    [0.45, 0.3, 0.15],
  ][rng.int(0, 4)] as Rgb;
  for (const side of [-1, 1]) {
    const [ex, ey] = at(side * 0.37, -0.14);
    if (features.eyes === 'slit') {
      const eye = ellipse(ex, ey, pose.r * 0.17, pose.r * 0.2, pose.angle);
      canvas.paint(eye.sdf, eye.box, iris);
      const pupil = ellipse(ex, ey, pose.r * 0.05, pose.r * 0.17, pose.angle);
      canvas.paint(pupil.sdf, pupil.box, [0.05, 0.05, 0.05]);
    } else {
      const eye = circle(ex, ey, pose.r * rng.uniform(0.1, 0.14));
      canvas.paint(eye.sdf, eye.box, [0.08, 0.06, 0.05]);
      const [hx, hy] = at(side * 0.37 + 0.04, -0.18);
      const glint = circle(hx, hy, pose.r * 0.04);
      canvas.paint(glint.sdf, glint.box, [1, 1, 1], 0.8);
    }
  }
  if (features.nose === 'small') {
    const nose = polygon([at(-0.13, 0.18), at(0.13, 0.18), at(0, 0.32)]);
    canvas.paint(nose.sdf, nose.box, [0.85, 0.45, 0.5]);
  } else {
    const [nx, ny] = at(0, 0.3);
    const nose = ellipse(nx, ny, pose.r * 0.18, pose.r * 0.12, pose.angle);
    canvas.paint(nose.sdf, nose.box, [0.06, 0.05, 0.05]);
  }
  if (features.tongue) {
    const [tx, ty] = at(0, 0.7);
    const tongue = ellipse(tx, ty, pose.r * 0.13, pose.r * 0.18, pose.angle);
    canvas.paint(tongue.sdf, tongue.box, [0.9, 0.4, 0.45]);
  }
  if (features.whiskers) {
    const whisker: Rgb = rng.next() < 0.5 ? [0.95, 0.95, 0.95] : [0.1, 0.1, 0.1];
    for (const side of [-1, 1]) {
      for (const dv of [-0.12, 0.05, 0.22]) {
        const [ax, ay] = at(side * 0.3, 0.32 + dv / 3);
        const [bx, by] = at(side * rng.uniform(1.1, 1.35), 0.3 + dv * 1.6);
        const w = segment(ax, ay, bx, by, Math.max(0.7, pose.r * 0.05));
        canvas.paint(w.sdf, w.box, whisker, 0.85);
      }
    }
  }
}
