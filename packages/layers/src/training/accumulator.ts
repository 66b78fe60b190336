import { fusedAddSums, fusedKernelBackend } from '@convkit/tensor';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Running sums of the loss and metrics over an epoch, kept on the backend so that training
 * never waits on a read; `read()` fetches them (divided by the sample count) in one transfer.
 */
export class Accumulator {
  private readonly sums: tf.Variable;
  private count = 0;

  constructor(readonly names: string[]) {
    const zeros = tf.zeros([names.length]);
    this.sums = tf.variable(zeros, false);
    zeros.dispose();
  }

  /** Adds one batch's per-sample values (one tensor per name, each of shape [batch]); call inside tf.tidy. */
  add(perSample: tf.Tensor[], batchSize: number): void {
    // On WebGPU and WebGL one kernel; elsewhere a sum per name, a stack and an add.
    this.sums.assign(
      fusedKernelBackend()
        ? fusedAddSums(this.sums, perSample)
        : tf.add(this.sums, tf.stack(perSample.map((t) => tf.sum(t)))),
    );
    this.count += batchSize;
  }

  /** Number of samples added since the last reset. */
  get samples(): number {
    return this.count;
  }

  /** The means so far, by name. */
  async read(prefix = ''): Promise<Record<string, number>> {
    const values = await this.sums.data();
    const out: Record<string, number> = {};
    this.names.forEach((n, i) => {
      out[prefix + n] = this.count ? values[i] / this.count : Number.NaN;
    });
    return out;
  }

  /** Starts a new epoch. */
  reset(): void {
    tf.tidy(() => this.sums.assign(tf.zerosLike(this.sums)));
    this.count = 0;
  }

  /** Frees the sums. */
  dispose(): void {
    this.sums.dispose();
  }
}
