import { describe, expect, it } from 'vitest';
import { analyzeDaemonConfig, topLevelBoolean } from '../../../src/core/docker/daemon-json/daemon-config.js';
import { findUnknownKeys, flattenedKeys, isKnownDaemonKey } from '../../../src/core/docker/daemon-json/known-keys.js';

const analyze = (text: string | Buffer, version?: { major: number; minor: number }) =>
  analyzeDaemonConfig({ exists: true, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8') }, version);

describe('analyzeDaemonConfig', () => {
  it('treats an absent file as an empty configuration', () => {
    const result = analyzeDaemonConfig({ exists: false, bytes: Buffer.alloc(0) });
    expect(result.problems).toEqual([]);
    expect(result.root).toBeUndefined();
  });

  it('accepts a typical file and reads live-restore', () => {
    const result = analyze('{\n  "log-driver": "json-file",\n  "log-opts": {"max-size": "10m"},\n  "live-restore": true\n}\n');
    expect(result.problems).toEqual([]);
    expect(topLevelBoolean(result.root, 'live-restore')).toBe(true);
  });

  // dockerd 20.10.24 refuses to start with each of these (checked by hand on Debian's docker.io).
  it.each([
    ['', 'empty-file', 1, 1],
    ['  \n', 'empty-file', 1, 1],
    ['\ufeff{}', 'byte-order-mark', 1, 1],
    ['[]', 'not-an-object', 1, 1],
    ['{\n  "debug": true,\n  "bogus-key": 1\n}', 'unknown-key', 3, 3],
    ['{\n  "live-restore": "true"\n}', 'not-a-boolean', 2, 19],
    ['{"live-restore": true, "live-restore": false}', 'duplicate-key', 1, 24],
    ['{\n  "debug": true,\n  "mtu": 1500,,\n}', 'invalid-json', 3, 15],
  ])('reports %j as %s at line %i, column %i', (text, code, line, column) => {
    const [problem] = analyze(text).problems;
    expect(problem).toMatchObject({ code, line, column });
  });

  it('reports bytes that are not UTF-8', () => {
    expect(analyze(Buffer.from([0x7b, 0xff, 0x7d])).problems[0]?.code).toBe('invalid-encoding');
  });

  it('lists every unknown key with its position', () => {
    const text = '{\n  "nope": 1,\n  "debug": false,\n  "tls": {"tlsverify": false, "also-nope": 2}\n}';
    const problems = analyze(text).problems;
    expect(problems.map((p) => [p.message.match(/"([^"]+)"/)?.[1], p.line, p.column])).toEqual([
      ['nope', 2, 3],
      ['also-nope', 4, 31],
    ]);
  });
});

describe('known daemon.json keys', () => {
  it('knows flag names, their named plurals and the exempt keys, as dockerd 20.10 does', () => {
    for (const key of ['live-restore', 'label', 'labels', 'hosts', 'host', 'log-opts', 'features', 'builder', 'graph', 'data-root']) {
      expect(isKnownDaemonKey(key, { major: 20, minor: 10 }), key).toBe(true);
    }
    for (const key of ['swarm-raft-heartbeat-tick', 'proxies', 'log-format', 'tls-verify', 'containerd-plugin-namespace']) {
      expect(isKnownDaemonKey(key, { major: 20, minor: 10 }), key).toBe(false);
    }
  });

  it('follows the releases that added or removed a key', () => {
    expect(isKnownDaemonKey('log-format', { major: 24, minor: 0 })).toBe(false);
    expect(isKnownDaemonKey('log-format', { major: 25, minor: 0 })).toBe(true);
    expect(isKnownDaemonKey('graph', { major: 23, minor: 0 })).toBe(false);
    expect(isKnownDaemonKey('log-format')).toBe(true);
  });

  it('flattens objects that are not flat options, as dockerd does before checking', () => {
    const result = analyze('{"log-opts": {"anything": "x"}, "proxies": {"http-proxy": "http://p:3128"}}', { major: 24, minor: 0 });
    expect(result.problems).toEqual([]);
    if (result.root === undefined) throw new Error('no root');
    expect(flattenedKeys(result.root)).toEqual(['log-opts', 'http-proxy']);
    expect(findUnknownKeys(result.root, { major: 20, minor: 10 }).map((m) => m.key)).toEqual(['http-proxy']);
  });
});
