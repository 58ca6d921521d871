import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, fileSystemError } from '../../fs/fs-error.js';
import { parseTimelineHistory } from '../../wal/timeline-history.js';

/** Where a timeline began: its parent and the LSN at which the parent was left. */
export interface TimelineSwitch {
  readonly timeline: number;
  readonly previousTimeline: number;
  readonly startLsn: bigint;
}

const historyName = /^([0-9A-F]{8})\.history$/;

/**
 * Describes how `content` (the text of `<timeline>.history`) says `timeline` began: its last
 * line names the parent timeline and the switch point. Undefined for an empty history.
 */
export const timelineSwitchFromHistory = (timeline: number, content: string): TimelineSwitch | undefined => {
  const last = parseTimelineHistory(content).at(-1);
  return last === undefined ? undefined : { timeline, previousTimeline: last.timeline, startLsn: last.switchLsn };
};

/**
 * The newest timeline switch recorded in `<dataDir>/pg_wal`. A promotion picks a timeline
 * above every one it knows of and writes that timeline's history file into pg_wal before it
 * ends recovery, so after a promotion the highest-numbered history file is the new one.
 */
export const readNewestTimelineSwitch = async (dataDir: string): Promise<TimelineSwitch | undefined> => {
  const walDir = join(dataDir, 'pg_wal');
  let names: string[];
  try {
    names = await readdir(walDir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw fileSystemError(error, 'read directory', walDir);
  }
  let newest: { name: string; timeline: number } | undefined;
  for (const name of names) {
    const match = historyName.exec(name);
    if (match?.[1] === undefined) continue;
    const timeline = Number.parseInt(match[1], 16);
    if (newest === undefined || timeline > newest.timeline) newest = { name, timeline };
  }
  if (newest === undefined) return undefined;
  const path = join(walDir, newest.name);
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw fileSystemError(error, 'read file', path);
  }
  return timelineSwitchFromHistory(newest.timeline, content);
};
