import { WarmstandbyError, type ErrorOptions } from '../errors.js';

/** Codes of every compression method, whole-buffer or streamed. */
export const CompressionErrorCode = {
  /** The input is not valid for its method (or fails its checksum). */
  corruptCompressedData: 'corrupt-compressed-data',
  /** The module for a method could not be loaded. */
  compressionUnavailable: 'compression-unavailable',
  /** The output passed the caller's bound. */
  decompressedTooLarge: 'decompressed-too-large',
} as const;
export type CompressionErrorCode = (typeof CompressionErrorCode)[keyof typeof CompressionErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    compression: typeof CompressionErrorCode;
  }
}

/**
 * A compression step failed. `corrupt-compressed-data`: the input is not valid for its
 * method; `compression-unavailable`: the module for a method could not be loaded.
 */
export class CompressionError extends WarmstandbyError {
  constructor(
    code: CompressionErrorCode,
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
