import {
  CHAPTER_CONVNETS,
  type ChapterConvnetOptions,
  chapterConvnet,
  chapterConvnetMinInput,
  type Sequential,
} from '@convkit/layers';
import { CliUsageError } from '../errors';

/** The chapter's networks by name. */
export const PRESETS = CHAPTER_CONVNETS;

/** A preset's name. */
export type PresetName = (typeof PRESETS)[number];

/** What a preset is built for: input shape and classes (required here), dropout and width. */
export type PresetOptions = ChapterConvnetOptions &
  Required<Pick<ChapterConvnetOptions, 'inputShape' | 'classes'>>;

/** The loss Keras's chapter pairs with a preset's output: binary or categorical cross-entropy. */
export function presetLoss(classes: number): 'binary_crossentropy' | 'categorical_crossentropy' {
  return classes === 2 ? 'binary_crossentropy' : 'categorical_crossentropy';
}

/** Checks a preset name, listing the valid ones when it is not one. */
export function checkPreset(name: string): PresetName {
  if (!(PRESETS as readonly string[]).includes(name)) {
    throw new CliUsageError(
      `Unknown model preset '${name}'. Valid presets: ${PRESETS.join(', ')} (or a path to a model.json).`,
    );
  }
  return name as PresetName;
}

/**
 * Builds one of the chapter's networks (@convkit/layers' chapterConvnet): `mnist` (section 5.1,
 * 93,322 parameters on 28x28x1 with 10 classes) or `cats-dogs` (section 5.2, 3,453,121 on
 * 150x150x3), checking first that the images are large enough for it.
 */
export function buildPreset(name: PresetName, options: PresetOptions): Sequential {
  const { inputShape } = options;
  const min = chapterConvnetMinInput(name);
  if (inputShape[0] < min || inputShape[1] < min) {
    throw new CliUsageError(
      `The '${name}' preset needs images of at least ${min}x${min} pixels, got ${inputShape[0]}x${inputShape[1]}; pass a larger --target-size.`,
    );
  }
  return chapterConvnet(name, options);
}
