import type { ImageDataGeneratorOptions } from '@convkit/image-augment';

/** One slider of the Augment view: an ImageDataGenerator option and its range. */
export interface SliderSpec {
  option: keyof ImageDataGeneratorOptions;
  label: string;
  min: number;
  max: number;
  step: number;
  /** The chapter's value (section 5.2's augmentation), the slider's starting point. */
  initial: number;
}

/** The sliders, starting at the chapter's settings (rotation 40, shifts 0.2, shear 0.2, zoom 0.2). */
export const SLIDERS: SliderSpec[] = [
  { option: 'rotationRange', label: 'rotationRange (°)', min: 0, max: 180, step: 1, initial: 40 },
  { option: 'widthShiftRange', label: 'widthShiftRange', min: 0, max: 0.5, step: 0.01, initial: 0.2 },
  { option: 'heightShiftRange', label: 'heightShiftRange', min: 0, max: 0.5, step: 0.01, initial: 0.2 },
  { option: 'shearRange', label: 'shearRange (°)', min: 0, max: 45, step: 0.1, initial: 0.2 },
  { option: 'zoomRange', label: 'zoomRange', min: 0, max: 0.8, step: 0.01, initial: 0.2 },
  { option: 'channelShiftRange', label: 'channelShiftRange', min: 0, max: 100, step: 1, initial: 0 },
];

/** Builds ImageDataGenerator options from slider values, flips and the fill mode. */
export function generatorOptions(
  values: Partial<Record<SliderSpec['option'], number>>,
  flags: { horizontalFlip: boolean; verticalFlip: boolean; fillMode: ImageDataGeneratorOptions['fillMode'] },
): ImageDataGeneratorOptions {
  const options: ImageDataGeneratorOptions = { ...flags };
  for (const s of SLIDERS) {
    const v = values[s.option] ?? s.initial;
    if (v > 0) (options as Record<string, number>)[s.option] = v;
  }
  return options;
}
