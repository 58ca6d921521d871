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
