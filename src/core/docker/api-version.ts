/**
 * Engine API version negotiation, the Docker CLI's way: ask `/_ping`, take the `Api-Version`
 * header, and talk the lower of that and the newest version this client knows. A daemon
 * that sends no header is assumed to speak the oldest version we support.
 */
export const CLIENT_MAX_API_VERSION = '1.47';
/** Docker 1.13's API, the first whose /info reports LiveRestoreEnabled. */
export const CLIENT_MIN_API_VERSION = '1.25';

const parse = (version: string): readonly [number, number] | undefined => {
  const match = /^(\d+)\.(\d+)$/.exec(version.trim());
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
};

/** Negative, zero or positive like a comparator; throws on a malformed version. */
export const compareApiVersions = (a: string, b: string): number => {
  const pa = parse(a);
  const pb = parse(b);
  if (pa === undefined || pb === undefined) throw new Error(`malformed API version "${pa === undefined ? a : b}"`);
  return pa[0] !== pb[0] ? pa[0] - pb[0] : pa[1] - pb[1];
};

export type NegotiatedVersion =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly reason: string };

export const negotiateApiVersion = (
  serverHeader: string | undefined,
  clientMax: string = CLIENT_MAX_API_VERSION,
  clientMin: string = CLIENT_MIN_API_VERSION,
): NegotiatedVersion => {
  const server = serverHeader?.trim();
  if (server === undefined || server === '') return { ok: true, version: clientMin };
  if (parse(server) === undefined) return { ok: false, reason: `the daemon sent a malformed API version "${server}"` };
  if (compareApiVersions(server, clientMin) < 0) {
    return { ok: false, reason: `the daemon speaks API ${server}, older than ${clientMin}` };
  }
  return { ok: true, version: compareApiVersions(server, clientMax) < 0 ? server : clientMax };
};

/** `/v1.41/info` from `/info`. */
export const versionedPath = (version: string, path: string): string =>
  `/v${version}${path.startsWith('/') ? path : `/${path}`}`;
