/**
 * Docker's rule for live restore across upgrades: containers are kept only when the daemon
 * moves between patch releases of one MAJOR.MINOR (20.10.23 → 20.10.24, not 20.10 → 23.0).
 */
export interface MajorMinor {
  readonly major: number;
  readonly minor: number;
}

/**
 * MAJOR.MINOR of a Docker version string as the daemon and packagers spell it:
 * "20.10.24+dfsg1", "v24.0.7", "1.13.1", "27.3.1-1~debian.12~bookworm", "25.0.0-rc.1".
 */
export const parseMajorMinor = (version: string): MajorMinor | undefined => {
  const match = /^v?(\d+)\.(\d+)(?:[.\-+~]|$)/.exec(version.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
};

export const compareMajorMinor = (a: MajorMinor, b: MajorMinor): number =>
  a.major !== b.major ? a.major - b.major : a.minor - b.minor;

export const formatMajorMinor = (v: MajorMinor): string => `${v.major}.${v.minor}`;

export type UpgradeVerdict =
  | { readonly kind: 'same-release' }
  | { readonly kind: 'patch'; readonly from: MajorMinor }
  | { readonly kind: 'not-covered'; readonly from: MajorMinor; readonly to: MajorMinor }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Whether live restore carries containers from `running` to `target`. */
export const upgradeVerdict = (running: string, target: string): UpgradeVerdict => {
  const from = parseMajorMinor(running);
  const to = parseMajorMinor(target);
  if (from === undefined) return { kind: 'unknown', reason: `cannot read the version "${running}"` };
  if (to === undefined) return { kind: 'unknown', reason: `cannot read the version "${target}"` };
  if (compareMajorMinor(from, to) !== 0) return { kind: 'not-covered', from, to };
  return running.trim().replace(/^v/, '') === target.trim().replace(/^v/, '')
    ? { kind: 'same-release' }
    : { kind: 'patch', from };
};

/** "Docker version 20.10.24+dfsg1, build 5d6db84" (the output of `dockerd --version`). */
export const parseDockerdVersionOutput = (output: string): string | undefined =>
  /(?:Docker version|version)\s+(v?\d+\.\d+[^\s,]*)/i.exec(output)?.[1];
