export {
  parseSplits,
  SPLIT_NAMES,
  type SplitName,
  type SplitOrder,
  type SplitRule,
  type SplitSizes,
} from './allocate';
export { DataSplitError, type DataSplitErrorCode } from './errors';
export { formatPlan } from './format-plan';
export { IMAGE_EXTENSIONS, type ImageCheck, type ImageFormat, inspectImage } from './image-check';
export { JOURNAL_NAME } from './journal';
export type { SourceLayout } from './layout';
export type { ManifestFile, SplitManifest } from './manifest';
export { naturalCompare } from './natural-sort';
export { planSplit } from './plan';
export { type RollbackOptions, type RollbackResult, rollbackSplit } from './rollback';
export { splitDataset } from './split-dataset';
export type {
  ClassPlan,
  PlannedFile,
  SplitDatasetOptions,
  SplitMode,
  SplitPlan,
  SplitProgress,
  SplitResult,
} from './types';
