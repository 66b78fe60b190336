/**
 * Thrown for a model or weights file that cannot be read as asked: not HDF5, not a Keras
 * model, a missing layer or weight, a shape that does not match. The message names the file,
 * what was expected and what was found.
 */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}
