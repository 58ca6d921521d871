import { ValidationError } from '../errors.js';
import { formatLsn, parseLsn } from './lsn.js';

/**
 * One line of a timeline history file: `timeline` ended (and its child began) at
 * `switchLsn`, for `reason`. The file of timeline N lists every ancestor of N.
 */
export interface TimelineHistoryEntry {
  readonly timeline: number;
  readonly switchLsn: bigint;
  readonly reason: string;
}

const syntaxError = (lineNumber: number, what: string): ValidationError =>
  new ValidationError('invalid-history-file', `Cannot parse timeline history line ${lineNumber}: ${what}`);

/**
 * Parses "tli<TAB>X/X<TAB>reason" lines; blank lines and lines starting with `#` (after
 * leading white space) are skipped, as the server does. Timelines must increase.
 */
export function parseTimelineHistory(text: string): TimelineHistoryEntry[] {
  const entries: TimelineHistoryEntry[] = [];
  const lines = text.split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const lineNumber = index + 1;
    const [tliText = '', lsnText, ...rest] = line.split('\t');
    if (!/^\d+$/.test(tliText)) throw syntaxError(lineNumber, 'expected a numeric timeline ID');
    const timeline = Number(tliText);
    if (timeline < 1 || timeline > 0xffff_ffff) throw syntaxError(lineNumber, `timeline ${tliText} is out of range`);
    if (lsnText === undefined || !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(lsnText.trim())) {
      throw syntaxError(lineNumber, 'expected a write-ahead log switchpoint location');
    }
    const previous = entries.at(-1);
    if (previous !== undefined && timeline <= previous.timeline) {
      throw new ValidationError(
        'invalid-history-file',
        `Cannot use timeline history: timeline IDs must be in increasing sequence (line ${lineNumber})`,
      );
    }
    entries.push({ timeline, switchLsn: parseLsn(lsnText), reason: rest.join('\t').trim() });
  }
  return entries;
}

/** Entries → file text, one "tli\tX/X\treason\n" line each (what the server writes). */
export function formatTimelineHistory(entries: readonly TimelineHistoryEntry[]): string {
  return entries.map((e) => `${e.timeline}\t${formatLsn(e.switchLsn)}\t${e.reason}\n`).join('');
}

/**
 * The timeline that wrote `lsn`, given the history of `currentTimeline`. A switchpoint
 * belongs to the new timeline: each ancestor covers [its start, its switchLsn).
 */
export function timelineForLsn(
  entries: readonly TimelineHistoryEntry[],
  currentTimeline: number,
  lsn: bigint,
): number {
  for (const entry of entries) {
    if (lsn < entry.switchLsn) return entry.timeline;
  }
  return currentTimeline;
}

/** Where `timeline` ended according to the history, or undefined if it is the current one. */
export function switchpointOf(entries: readonly TimelineHistoryEntry[], timeline: number): bigint | undefined {
  return entries.find((e) => e.timeline === timeline)?.switchLsn;
}
