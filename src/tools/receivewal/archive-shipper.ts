import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveStore } from '../../core/archive/archive-store.js';
import { publishWalFile, type SystemIdMemo } from '../../core/archive/publish-wal-file.js';
import { classifyWalFileName, type WalFileName } from '../../core/wal/wal-file-kind.js';

export interface ShipperOptions {
  /** receivewal's directory: completed segments and history files are taken from here. */
  readonly dir: string;
  readonly store: ArchiveStore;
  /** --remove-archived: delete a local segment once the archive confirms it (not the newest). */
  readonly removeLocal: boolean;
  readonly log: (message: string) => void;
  readonly error: (message: string) => void;
  /** Wait before a failed pass is tried again. */
  readonly retryDelayMs?: number;
}

const RETRY_DELAY_MS = 5_000;

/**
 * receivewal --archive: pushes every completed segment and timeline history file of the
 * directory to the archive with archivewal's semantics (no overwrite, identical is success,
 * system-identifier guard), in order: history files first, then segments by name. The
 * partial segment stays local. A failed push is logged and the pass retried later; what was
 * not confirmed before a crash is found again by the next start's scan, so nothing depends
 * on memory. Only a confirmed segment may be removed locally, and never the newest one:
 * receivewal resumes from the newest segment in its directory.
 */
export class ArchiveShipper {
  private readonly confirmed = new Set<string>();
  private readonly systemId: SystemIdMemo = {};
  private pass: Promise<void> | undefined;
  private wanted = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failure: string | undefined;

  constructor(private readonly options: ShipperOptions) {}

  /** Something new may be there: run a pass now, or right after the current one. */
  kick(): void {
    if (this.stopped) return;
    this.wanted = true;
    this.pass ??= this.loop().finally(() => {
      this.pass = undefined;
    });
  }

  /**
   * Waits until everything completed so far is confirmed in the archive. Returns the last
   * failure's message if the latest pass failed (the caller reports it and exits non-zero).
   */
  async drain(): Promise<string | undefined> {
    this.kick();
    while (this.pass !== undefined) await this.pass;
    return this.failure;
  }

  /** Stops scheduling passes (Ctrl-C, SIGTERM); a request in flight is aborted by the signal. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
  }

  private async loop(): Promise<void> {
    while (this.wanted && !this.stopped) {
      this.wanted = false;
      try {
        await this.shipAll();
        this.failure = undefined;
      } catch (error) {
        this.failure = (error as Error).message;
        if (this.stopped) return;
        this.options.error(`could not archive: ${this.failure}`);
        this.retryTimer = setTimeout(() => this.kick(), this.options.retryDelayMs ?? RETRY_DELAY_MS);
        this.retryTimer.unref();
        return;
      }
    }
  }

  private async shipAll(): Promise<void> {
    const files = (await readdir(this.options.dir))
      .map((name) => classifyWalFileName(name))
      .filter((file): file is WalFileName => file !== undefined && file.compression === 'none')
      .filter((file) => file.kind === 'segment' || file.kind === 'history')
      .sort(shippingOrder);
    const segments = files.filter((file) => file.kind === 'segment');
    const newest = segments.at(-1)?.name;
    for (const file of files) {
      if (this.stopped) return;
      if (!this.confirmed.has(file.name)) {
        const result = await publishWalFile(this.options.store, join(this.options.dir, file.name), file, {
          compression: { method: 'none', level: 0 },
        }, this.systemId);
        this.confirmed.add(file.name);
        this.options.log(
          result.outcome === 'archived'
            ? `archived "${file.name}" to "${this.options.store.location}"`
            : `"${file.name}" is already in "${this.options.store.location}" with identical content`,
        );
      }
      if (this.options.removeLocal && file.kind === 'segment' && file.name !== newest) {
        await unlink(join(this.options.dir, file.name));
        this.confirmed.delete(file.name);
        this.options.log(`removed local "${file.name}": it is in the archive`);
      }
    }
  }
}

/** History files before segments (a timeline's history must be there before its WAL). */
const shippingOrder = (a: WalFileName, b: WalFileName): number => {
  if (a.kind !== b.kind) return a.kind === 'history' ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
};
