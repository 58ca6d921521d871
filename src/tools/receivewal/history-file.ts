import { access, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ProtocolError } from '../../core/errors.js';
import { withFsError } from '../../core/fs/fs-error.js';
import { fsyncDirectory } from '../../core/fs/sync.js';
import { historyFileName } from '../../core/wal/segment-name.js';
import { parseTimelineHistory } from '../../core/wal/timeline-history.js';

/** Timeline 1 has no history file: it counts as present, as in pg_receivewal. */
export const hasHistoryFile = async (dir: string, timeline: number): Promise<boolean> => {
  if (timeline === 1) return true;
  return access(join(dir, historyFileName(timeline))).then(
    () => true,
    () => false,
  );
};

/**
 * Writes the history file the server sent for `timeline` as pg_receivewal does: to
 * `<name>.tmp`, fsync, rename, fsync the directory. Always uncompressed (pg_receivewal 15
 * compresses it under -Z, which restore_command users then have to undo).
 */
export async function writeHistoryFile(
  dir: string,
  timeline: number,
  served: { readonly filename: string; readonly content: Buffer },
  options: { readonly sync: boolean; readonly mode: number },
): Promise<string> {
  const name = historyFileName(timeline);
  if (served.filename !== name) {
    throw new ProtocolError(`server reported unexpected history file name for timeline ${timeline}: ${served.filename}`);
  }
  // What the server sent must be a history of this timeline, or the file would mislead
  // every recovery that reads it: parseable, and listing only older timelines.
  let entries;
  try {
    entries = parseTimelineHistory(served.content.toString('utf8'));
  } catch (error) {
    throw new ProtocolError(`server sent an invalid history file for timeline ${timeline}: ${(error as Error).message}`);
  }
  const newest = entries.at(-1);
  if (timeline > 1 && (newest === undefined || newest.timeline >= timeline)) {
    throw new ProtocolError(`server sent an invalid history file for timeline ${timeline}: it does not end with an older timeline`);
  }
  const tmpPath = join(dir, `${name}.tmp`);
  const finalPath = join(dir, name);
  await withFsError('create timeline history file', tmpPath, async () => {
    // A leftover temporary (a crash), or a link planted under its name, is removed, never
    // written through: unlink(2) takes the name away, not what a link points to.
    await unlink(tmpPath).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    const handle = await open(tmpPath, 'wx', options.mode);
    try {
      await handle.chmod(options.mode);
      await handle.writeFile(served.content);
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
  });
  await withFsError('rename file', `${tmpPath}" to "${finalPath}`, () => rename(tmpPath, finalPath));
  await fsyncDirectory(dir, { sync: options.sync });
  return name;
}
