/** A frame as lz4-frames.ts and zstd-frames.ts find it: its recorded size, if the writer kept one. */
interface SizedFrame {
  readonly contentSize: bigint | undefined;
  readonly skippable: boolean;
}

/**
 * What the frames of a file decompress to, read from their headers: the sum of the recorded
 * content sizes (skippable frames hold none), or undefined when any frame did not record its
 * size and only decompressing can tell.
 */
export const recordedContentSize = (frames: readonly SizedFrame[]): bigint | undefined =>
  frames.every((frame) => frame.contentSize !== undefined)
    ? frames.reduce((sum, frame) => sum + (frame.skippable ? 0n : (frame.contentSize ?? 0n)), 0n)
    : undefined;
