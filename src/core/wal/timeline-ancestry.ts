import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { headerPredatesNameTimeline, type SegmentCheck, type SegmentIdentity, validateSegmentHeader } from './page-header.js';
import { historyFileName } from './segment-name.js';
import { parseTimelineHistory } from './timeline-history.js';

/** History files are a few lines per promotion; anything larger is not one. */
export const MAX_HISTORY_BYTES = 1024 * 1024;

/**
 * Where a history file may be found: a directory (pg_wal, an archive directory) or any other
 * place that can hand over a small file by name (an object archive). Undefined: not there.
 */
export type HistorySource = string | ((name: string) => Promise<Buffer | undefined>);

const readFrom = async (source: HistorySource, name: string): Promise<Buffer | undefined> =>
  typeof source === 'string' ? readFile(join(source, name)) : source(name);

/**
 * The ancestors of `timeline` as listed by its history file, taken from the first of
 * `sources` that holds a readable, well-formed one (pg_wal keeps the history of its own
 * timeline; an archive keeps every timeline's). Undefined when none does: callers then fall
 * back to the rule that an ancestor is older, which is all the server's own name rules
 * guarantee.
 */
export async function readAncestorTimelines(
  sources: readonly HistorySource[],
  timeline: number,
): Promise<readonly number[] | undefined> {
  if (timeline <= 1) return [];
  for (const source of sources) {
    let text: string;
    try {
      const data = await readFrom(source, historyFileName(timeline));
      if (data === undefined || data.length > MAX_HISTORY_BYTES) continue;
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
 * validateSegmentHeader, with the name's timeline history read from `historySources` when
 * (and only when) the first page carries an older timeline: the common case reads no file.
 */
export async function validateSegmentHeaderWithHistory(
  page: Buffer,
  check: SegmentCheck,
  historySources: readonly HistorySource[],
): Promise<SegmentIdentity> {
  if (!headerPredatesNameTimeline(page, check.name)) return validateSegmentHeader(page, check);
  const ancestors = await readAncestorTimelines(historySources, Number.parseInt(check.name.slice(0, 8), 16));
  return validateSegmentHeader(page, ancestors === undefined ? check : { ...check, ancestorTimelines: ancestors });
}
