import { describe, expect, it } from 'vitest';
import { compareApiVersions, negotiateApiVersion, versionedPath } from '../../../src/core/docker/api-version.js';
import { parseDockerdVersionOutput, parseMajorMinor, upgradeVerdict } from '../../../src/core/docker/version-rule.js';

describe('MAJOR.MINOR rule for upgrades', () => {
  it.each([
    ['20.10.24+dfsg1', { major: 20, minor: 10 }],
    ['v24.0.7', { major: 24, minor: 0 }],
    ['27.3.1-1~debian.12~bookworm', { major: 27, minor: 3 }],
    ['25.0.0-rc.1', { major: 25, minor: 0 }],
    ['1.13.1', { major: 1, minor: 13 }],
  ])('reads %s', (text, expected) => {
    expect(parseMajorMinor(text)).toEqual(expected);
  });

  it('rejects what is not a version', () => {
    expect(parseMajorMinor('latest')).toBeUndefined();
    expect(parseMajorMinor('20')).toBeUndefined();
  });

  it('covers patch releases only', () => {
    expect(upgradeVerdict('20.10.23', '20.10.24+dfsg1')).toMatchObject({ kind: 'patch' });
    expect(upgradeVerdict('20.10.24', '20.10.24')).toEqual({ kind: 'same-release' });
    expect(upgradeVerdict('20.10.24', '23.0.1')).toMatchObject({ kind: 'not-covered', to: { major: 23, minor: 0 } });
    expect(upgradeVerdict('24.0.7', '24.1.0')).toMatchObject({ kind: 'not-covered' });
    expect(upgradeVerdict('24.0.7', 'x')).toMatchObject({ kind: 'unknown' });
  });

  it('reads dockerd --version output', () => {
    expect(parseDockerdVersionOutput('Docker version 20.10.24+dfsg1, build 5d6db84\n')).toBe('20.10.24+dfsg1');
  });
});

describe('API version negotiation', () => {
  it('talks the lower of the daemon and the client version', () => {
    expect(negotiateApiVersion('1.41')).toEqual({ ok: true, version: '1.41' });
    expect(negotiateApiVersion('1.99', '1.47')).toEqual({ ok: true, version: '1.47' });
    expect(negotiateApiVersion('1.30', '1.47')).toEqual({ ok: true, version: '1.30' });
  });

  it('assumes the oldest supported version without a header, and refuses older daemons', () => {
    expect(negotiateApiVersion(undefined, '1.47', '1.25')).toEqual({ ok: true, version: '1.25' });
    expect(negotiateApiVersion('1.24', '1.47', '1.25')).toMatchObject({ ok: false });
    expect(negotiateApiVersion('one', '1.47', '1.25')).toMatchObject({ ok: false });
  });

  it('compares numerically, not as text', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(versionedPath('1.41', '/info')).toBe('/v1.41/info');
  });
});
