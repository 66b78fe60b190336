import { forEachBackend } from '@convkit/tensor/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { decodePredictions } from './decode-predictions';
import { IMAGENET_CLASS_INDEX } from './imagenet-class-index';

describe('IMAGENET_CLASS_INDEX', () => {
  it("has Keras's 1000 classes in order: sorted, unique WordNet ids", () => {
    expect(IMAGENET_CLASS_INDEX).toHaveLength(1000);
    for (let i = 1; i < 1000; i++)
      expect(IMAGENET_CLASS_INDEX[i][0] > IMAGENET_CLASS_INDEX[i - 1][0]).toBe(true);
    for (const [wnid, name] of IMAGENET_CLASS_INDEX) {
      expect(wnid).toMatch(/^n\d{8}$/);
      expect(name).toMatch(/^\S+$/);
    }
  });

  it("names the chapter's classes as Keras does", () => {
    expect(IMAGENET_CLASS_INDEX[386]).toEqual(['n02504458', 'African_elephant']);
    expect(IMAGENET_CLASS_INDEX[101]).toEqual(['n01871265', 'tusker']);
    expect(IMAGENET_CLASS_INDEX[385]).toEqual(['n02504013', 'Indian_elephant']);
    expect(IMAGENET_CLASS_INDEX[0]).toEqual(['n01440764', 'tench']);
    expect(IMAGENET_CLASS_INDEX[999]).toEqual(['n15075141', 'toilet_tissue']);
    // Keras's two classes named 'crane' (bird, machine) and two named 'maillot'.
    expect(IMAGENET_CLASS_INDEX[134]).toEqual(['n02012849', 'crane']);
    expect(IMAGENET_CLASS_INDEX[517]).toEqual(['n03126707', 'crane']);
    expect(IMAGENET_CLASS_INDEX[639]).toEqual(['n03710721', 'maillot']);
  });
});

forEachBackend(['cpu'], () => {
  describe('decodePredictions', () => {
    const scores = (hot: Record<number, number>) => {
      const row = new Array(1000).fill(0.0001);
      for (const [i, v] of Object.entries(hot)) row[Number(i)] = v;
      return row;
    };

    it("returns the top classes per sample, best first, like the chapter's elephant", () => {
      const preds = tf.tensor2d([
        scores({ 386: 0.909421, 101: 0.086182885, 385: 0.0043545826 }),
        scores({ 281: 0.7, 285: 0.2 }),
      ]);
      const decoded = decodePredictions(preds, { top: 3 });
      expect(decoded).toHaveLength(2);
      expect(decoded[0].map(([w, n]) => [w, n])).toEqual([
        ['n02504458', 'African_elephant'],
        ['n01871265', 'tusker'],
        ['n02504013', 'Indian_elephant'],
      ]);
      expect(decoded[0][0][2]).toBeCloseTo(0.909421, 6);
      expect(decoded[1][0][1]).toBe('tabby');
      expect(decoded[1][1][1]).toBe('Egyptian_cat');
      preds.dispose();
    });

    it('takes nested arrays, defaults to the top 5, and breaks ties by class order', () => {
      const decoded = decodePredictions([new Array(1000).fill(0.001)]);
      expect(decoded[0].map((p) => p[1])).toEqual([
        'tench',
        'goldfish',
        'great_white_shark',
        'tiger_shark',
        'hammerhead',
      ]);
    });

    it('decodes with another class index', () => {
      const decoded = decodePredictions([[0.2, 0.8]], {
        classIndex: [
          ['c0', 'cat'],
          ['c1', 'dog'],
        ],
        top: 1,
      });
      expect(decoded).toEqual([[['c1', 'dog', 0.8]]]);
    });

    it('names the expected and found shapes', () => {
      const one = tf.zeros([1000]);
      expect(() => decodePredictions(one)).toThrow(
        /shape \(samples, 1000\); found shape \(1000\)\. Add the batch dimension/,
      );
      const wrong = tf.zeros([2, 10]);
      expect(() => decodePredictions(wrong)).toThrow(/found shape \(2, 10\)/);
      expect(() => decodePredictions([[1, 2], [3]])).toThrow(/found shape/);
      expect(() => decodePredictions([scores({})], { top: 0 })).toThrow(/top must be a positive integer/);
      tf.dispose([one, wrong]);
    });
  });
});
