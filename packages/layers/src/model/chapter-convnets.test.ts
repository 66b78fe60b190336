import { ConvkitUsageError, initBackend } from '@convkit/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { resetLayerNames } from '../core/names';
import { type ChapterConvnetName, chapterConvnet, chapterConvnetMinInput } from './chapter-convnets';

describe('chapterConvnet', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const layout = (name: ChapterConvnetName, options = {}) => {
    resetLayerNames();
    return chapterConvnet(name, options).layers.map((l) => `${l.name} ${JSON.stringify(l.outputShape)}`);
  };

  it("mnist is section 5.1's convnet: Keras's layer names and shapes, 93,322 parameters", () => {
    expect(layout('mnist')).toEqual([
      'conv2d [null,26,26,32]',
      'max_pooling2d [null,13,13,32]',
      'conv2d_1 [null,11,11,64]',
      'max_pooling2d_1 [null,5,5,64]',
      'conv2d_2 [null,3,3,64]',
      'flatten [null,576]',
      'dense [null,64]',
      'dense_1 [null,10]',
    ]);
    expect(chapterConvnet('mnist').countParams()).toBe(93322);
  });

  it("cats-dogs is section 5.2's convnet: 3,453,121 parameters at 150x150, dropout where asked", () => {
    expect(layout('cats-dogs', { dropout: 0.5 })).toEqual([
      'conv2d [null,148,148,32]',
      'max_pooling2d [null,74,74,32]',
      'conv2d_1 [null,72,72,64]',
      'max_pooling2d_1 [null,36,36,64]',
      'conv2d_2 [null,34,34,128]',
      'max_pooling2d_2 [null,17,17,128]',
      'conv2d_3 [null,15,15,128]',
      'max_pooling2d_3 [null,7,7,128]',
      'flatten [null,6272]',
      'dropout [null,6272]',
      'dense [null,512]',
      'dense_1 [null,1]',
    ]);
    expect(chapterConvnet('cats-dogs', { dropout: 0.5 }).countParams()).toBe(3453121);
    const last = chapterConvnet('cats-dogs').layers.at(-1)!;
    expect(last.getConfig().activation).toBe('sigmoid');
  });

  it('scales filters and units by width, and ends in a softmax for more than 2 classes', () => {
    expect(layout('mnist', { inputShape: [32, 32, 3], classes: 5, width: 0.5 })).toEqual([
      'conv2d [null,30,30,16]',
      'max_pooling2d [null,15,15,16]',
      'conv2d_1 [null,13,13,32]',
      'max_pooling2d_1 [null,6,6,32]',
      'conv2d_2 [null,4,4,32]',
      'flatten [null,512]',
      'dense [null,32]',
      'dense_1 [null,5]',
    ]);
    expect(chapterConvnet('mnist', { classes: 5 }).layers.at(-1)!.getConfig().activation).toBe('softmax');
  });

  it('takes the smallest input that leaves one pixel, and says so for a smaller one', () => {
    expect(chapterConvnetMinInput('mnist')).toBe(18);
    expect(chapterConvnetMinInput('cats-dogs')).toBe(46);
    expect(layout('mnist', { inputShape: [18, 18, 1] }).at(4)).toBe('conv2d_2 [null,1,1,64]');
    expect(layout('cats-dogs', { inputShape: [46, 46, 3] }).at(7)).toBe('max_pooling2d_3 [null,1,1,128]');
    expect(() => chapterConvnet('mnist', { inputShape: [17, 28, 1] })).toThrow(ConvkitUsageError);
    expect(() => chapterConvnet('cats-dogs', { inputShape: [150, 45, 3] })).toThrow(
      "chapterConvnet('cats-dogs') needs inputs of at least 46x46 pixels; got 150x45.",
    );
  });

  it('refuses an unknown net and fewer than 2 classes', () => {
    expect(() => chapterConvnet('vgg' as ChapterConvnetName)).toThrow(
      /unknown net 'vgg'; the chapter's are mnist, cats-dogs/,
    );
    expect(() => chapterConvnet('mnist', { classes: 1 })).toThrow(
      /classes must be an integer of at least 2; got 1/,
    );
  });
});
