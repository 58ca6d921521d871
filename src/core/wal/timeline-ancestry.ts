import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLongPageHeader, type SegmentCheck, type SegmentIdentity, validateSegmentHeader } from './page-header.js';
import { historyFileName } from './segment-name.js';
import { parseTimelineHistory } from './timeline-history.js';

/** History files are a few lines per promotion; anything larger is not one. */
const MAX_HISTORY_BYTES = 1024 * 1024;

/**
 * The ancestors of `timeline` as listed by its history file, taken from the first of `dirs`
 * that holds a readable, well-formed one (pg_wal keeps the history of its own timeline; an
 * archive keeps every timeline's). Undefined when none does: callers then fall back to the
 * rule that an ancestor is older, which is all the server's own name rules guarantee.
 */
export async function readAncestorTimelines(
  dirs: readonly string[],
  timeline: number,
): Promise<readonly number[] | undefined> {
  if (timeline <= 1) return [];
  for (const dir of dirs) {
    let text: string;
    try {
      const data = await readFile(join(dir, historyFileName(timeline)));
      if (data.length > MAX_HISTORY_BYTES) continue;
      text = data.toString('utf8');
    } catch {
      continue;
    }
    try {
      return parseTimelineHistory(text).map((entry) => entry.timeline);
    } catch {
      // A damaged copy in one place says nothing; another place may hold a good one.
    }
  }
  return undefined;
}

/**
 * validateSegmentHeader, with the name's timeline history read from `historyDirs` when (and
 * only when) the first page carries an older timeline: the common case reads no extra file.
 */
export async function validateSegmentHeaderWithHistory(
  page: Buffer,
  check: SegmentCheck,
  historyDirs: readonly string[],
): Promise<SegmentIdentity> {
  const nameTimeline = Number.parseInt(check.name.slice(0, 8), 16);
  let pageTimeline: number | undefined;
  try {
    pageTimeline = parseLongPageHeader(page).timeline;
  } catch {
    pageTimeline = undefined; // validateSegmentHeader below reports it
  }
  if (pageTimeline === undefined || !(pageTimeline < nameTimeline)) return validateSegmentHeader(page, check);
  const ancestors = await readAncestorTimelines(historyDirs, nameTimeline);
  return validateSegmentHeader(page, ancestors === undefined ? check : { ...check, ancestorTimelines: ancestors });
}
