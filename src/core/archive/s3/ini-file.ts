/**
 * The INI dialect of ~/.aws/credentials, ~/.aws/config and our --s3-config file: `[section]`
 * headers, `key = value` lines, `#` and `;` comments, and indented lines under a key with an
 * empty value as its sub-keys (`s3 =` / `  addressing_style = path` reads as
 * `s3.addressing_style`). Keys are lower-cased; values are kept as written, trimmed.
 */
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Keys before any section header land in the section named ''. */
export function parseIni(text: string): IniSections {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  let parent: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(trimmed);
    if (header !== null) {
      const name = header[1] ?? '';
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      parent = undefined;
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    const value = trimmed.slice(eq + 1).trim();
    const indented = /^\s/.test(raw);
    if (indented && parent !== undefined) {
      current.set(`${parent}.${key}`, value);
      continue;
    }
    parent = value === '' ? key : undefined;
    current.set(key, value);
  }
  return sections;
}
