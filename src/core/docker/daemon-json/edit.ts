import type { DaemonConfigAnalysis } from './daemon-config.js';
import { topLevelMember } from './daemon-config.js';

/**
 * Sets one top-level boolean in daemon.json text by splicing the text: every other byte stays
 * as it was (key order, indentation, spacing around colons, line endings, trailing newline).
 * A new key goes after the last one and copies the layout of the members before it.
 *
 * The analysis must be free of problems (the caller refuses to edit otherwise).
 */
export const setTopLevelBoolean = (analysis: DaemonConfigAnalysis, key: string, value: boolean): string => {
  const literal = value ? 'true' : 'false';
  if (!analysis.exists) return `{\n  ${JSON.stringify(key)}: ${literal}\n}\n`;
  const { text, root } = analysis;
  if (root === undefined || analysis.problems.length > 0) {
    throw new Error('setTopLevelBoolean needs a valid JSON object');
  }
  const existing = topLevelMember(root, key);
  if (existing !== undefined) {
    return text.slice(0, existing.value.start) + literal + text.slice(existing.value.end);
  }
  const quotedKey = JSON.stringify(key);
  const last = root.members.at(-1);
  if (last === undefined) {
    const newline = text.includes('\r\n') ? '\r\n' : '\n';
    const base = indentOfLineAt(text, root.start);
    const member = `${base}  ${quotedKey}: ${literal}`;
    return `${text.slice(0, root.start)}{${newline}${member}${newline}${base}}${text.slice(root.end)}`;
  }
  const previous = root.members.at(-2);
  const separator =
    previous === undefined
      ? text.slice(root.start + 1, last.keyStart)
      : text.slice(commaAfter(text, previous.value.end) + 1, last.keyStart);
  const colon = text.slice(last.keyEnd, last.value.start);
  const insertion = `,${separator}${quotedKey}${colon}${literal}`;
  return text.slice(0, last.value.end) + insertion + text.slice(last.value.end);
};

const commaAfter = (text: string, from: number): number => {
  const index = text.indexOf(',', from);
  if (index < 0) throw new Error('no comma between members');
  return index;
};

/** The spaces and tabs that start the line holding `offset`. */
const indentOfLineAt = (text: string, offset: number): string => {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
};
