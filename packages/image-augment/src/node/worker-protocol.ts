import type { ColorMode, Interpolation } from '@convkit/image-io';
import type { FillMode } from '../options';
import type { TransformParams } from '../transform-params';

/** One batch for an augmentation worker: files to read, with each one's transform. */
export interface AugmentRequest {
  id: number;
  paths: string[];
  /** The transform of each file, drawn on the main thread (so seeds give the same batches anywhere). */
  params: TransformParams[];
  load: { targetSize: [number, number]; colorMode: ColorMode; interpolation: Interpolation };
  fillMode: FillMode;
  cval: number;
  /** Multiply by this after the transform (folded into the conversion when the transform is linear); null: leave 0-255. */
  rescale: number | null;
}

/** A worker's answer: the transformed images that decoded, packed in order, and the files that did not. */
export interface AugmentResponse {
  id: number;
  /** [kept.length, height, width, channels] float32 values. */
  data?: Float32Array;
  /** Which of the request's files are in `data`, in order. */
  kept?: number[];
  /** Files that could not be read or decoded (ImageDecodeError): index into the request and the reason. */
  failures?: { index: number; reason: string }[];
  /** Anything else that went wrong with the batch. */
  error?: { message: string; stack?: string };
}
