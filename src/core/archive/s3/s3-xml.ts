/**
 * The few S3 XML documents an archive needs, without an XML library: ListObjectsV2 results,
 * error bodies, and DeleteObjects requests and results. The service's documents are flat and
 * known; anything unexpected yields no entries (callers validate names before using them).
 */

export interface ListedObject {
  readonly key: string;
  readonly size: number;
}

export interface ListPage {
  readonly objects: readonly ListedObject[];
  readonly commonPrefixes: readonly string[];
  readonly nextToken: string | undefined;
}

export interface S3ErrorBody {
  readonly code: string | undefined;
  readonly message: string | undefined;
}

export interface DeleteFailure {
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

const entities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export const unescapeXml = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return entities[entity] ?? whole;
  });

export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&${Object.entries(entities).find(([, value]) => value === char)?.[0] ?? 'amp'};`);

/** The text of every `<tag>…</tag>` in `xml`, unescaped. */
const all = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[1] ?? '');

const first = (xml: string, tag: string): string | undefined => {
  const found = all(xml, tag)[0];
  return found === undefined ? undefined : unescapeXml(found);
};

export function parseListPage(xml: string): ListPage {
  const objects = all(xml, 'Contents').map((entry) => ({
    key: first(entry, 'Key') ?? '',
    size: Number(first(entry, 'Size') ?? 'NaN'),
  }));
  const commonPrefixes = all(xml, 'CommonPrefixes').map((entry) => first(entry, 'Prefix') ?? '');
  const truncated = first(xml, 'IsTruncated') === 'true';
  const nextToken = truncated ? first(xml, 'NextContinuationToken') : undefined;
  return { objects, commonPrefixes, nextToken };
}

export const parseErrorBody = (xml: string): S3ErrorBody => ({ code: first(xml, 'Code'), message: first(xml, 'Message') });

export const deleteRequestBody = (keys: readonly string[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${keys
    .map((key) => `<Object><Key>${escapeXml(key)}</Key></Object>`)
    .join('')}</Delete>`;

export const parseDeleteFailures = (xml: string): DeleteFailure[] =>
  all(xml, 'Error').map((entry) => ({
    key: first(entry, 'Key') ?? '',
    code: first(entry, 'Code') ?? 'Unknown',
    message: first(entry, 'Message') ?? '',
  }));
