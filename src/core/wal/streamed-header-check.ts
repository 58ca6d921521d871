import { LONG_PAGE_HEADER_SIZE, validateSegmentHeader } from './page-header.js';
import { segmentFileName, segmentNumberOf } from './segment-name.js';

export interface StreamedHeaderCheckOptions {
  readonly segSize: number;
  /** IDENTIFY_SYSTEM's system identifier: every segment must belong to it. */
  readonly systemIdentifier: string;
  /** The timeline being streamed; a first page may carry one of its ancestors. */
  readonly timeline: number;
  /** The timeline's ancestors from its history, when known. */
  readonly ancestorTimelines?: readonly number[];
}

/**
 * Checks the long page header at the start of every segment as its bytes arrive, before
 * they are written: supported magic, the segment's own address, the server's system, and
 * the streamed timeline or an ancestor. A server (compromised, impersonated, or simply not
 * PostgreSQL) that sends anything else never gets a segment completed in the archive,
 * where the next start would refuse the whole directory. Headers split across messages are
 * gathered. Only segment starts are judged: pages after a WAL switch may be zeros.
 */
export class StreamedHeaderCheck {
  private pending: Buffer | undefined;
  private pendingStart = 0n;

  constructor(private readonly options: StreamedHeaderCheckOptions) {}

  /** `data` starts at `lsn` and follows the previous call's bytes; throws on a bad header. */
  check(lsn: bigint, data: Buffer): void {
    const end = lsn + BigInt(data.length);
    const segSize = BigInt(this.options.segSize);
    let from = lsn;
    if (this.pending !== undefined) {
      const want = LONG_PAGE_HEADER_SIZE - this.pending.length;
      const take = data.subarray(0, want);
      this.pending = Buffer.concat([this.pending, take]);
      from = lsn + BigInt(take.length);
      if (this.pending.length < LONG_PAGE_HEADER_SIZE) return;
      this.validate(this.pendingStart, this.pending);
      this.pending = undefined;
    }
    const firstStart = ((from + segSize - 1n) / segSize) * segSize;
    for (let start = firstStart; start < end; start += segSize) {
      const offset = Number(start - lsn);
      const head = data.subarray(offset, offset + LONG_PAGE_HEADER_SIZE);
      if (head.length < LONG_PAGE_HEADER_SIZE) {
        this.pending = Buffer.from(head);
        this.pendingStart = start;
        return;
      }
      this.validate(start, head);
    }
  }

  private validate(start: bigint, head: Buffer): void {
    const { segSize, systemIdentifier, timeline, ancestorTimelines } = this.options;
    const name = segmentFileName(timeline, segmentNumberOf(start, segSize), segSize);
    validateSegmentHeader(head, {
      name,
      systemIdentifier,
      segmentSize: segSize,
      ...(ancestorTimelines === undefined ? {} : { ancestorTimelines }),
    });
  }
}
