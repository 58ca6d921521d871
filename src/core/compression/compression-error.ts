import { WarmstandbyError, type ErrorOptions } from '../errors.js';

/**
 * A compression step failed. `corrupt-compressed-data`: the input is not valid for its
 * method; `compression-unavailable`: the module for a method could not be loaded.
 */
export class CompressionError extends WarmstandbyError {
  constructor(
    code: 'corrupt-compressed-data' | 'compression-unavailable' | 'decompressed-too-large',
    message: string,
    options: ErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** Damaged input of any method, whole-buffer or streamed: one code, one message shape. */
export const corruptInput = (name: string, reason: string, cause?: unknown): CompressionError =>
  new CompressionError('corrupt-compressed-data', `Cannot decompress "${name}": ${reason}`, cause === undefined ? {} : { cause });

/** Output past the caller's bound (a small file of zeros must not cost gigabytes). */
export const outputTooLarge = (name: string, maxOutput: number, cause?: unknown): CompressionError =>
  new CompressionError('decompressed-too-large', `Cannot decompress "${name}": more than ${maxOutput} bytes`, cause === undefined ? {} : { cause });
