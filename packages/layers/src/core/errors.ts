import { ConvkitUsageError } from '@convkit/tensor';

/** Throws a ConvkitUsageError (a mistake the caller can fix) with `message`. */
export function usageError(message: string): never {
  throw new ConvkitUsageError(message);
}
