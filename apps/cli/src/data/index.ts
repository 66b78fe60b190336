/**
 * `@convkit/cli/dataset`: the built-in cats-and-dogs set, browser-safe (pure pixel generation,
 * no node modules), so the web demo draws the same images as `convkit tour`.
 */
export {
  BUILTIN_CLASSES,
  type BuiltinClass,
  type BuiltinOptions,
  type BuiltinSample,
  builtinDataset,
  drawBuiltinImage,
} from './builtin';
