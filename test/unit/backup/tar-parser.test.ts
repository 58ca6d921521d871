import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type TarMember } from '../../../src/core/backup/tar-format.js';
import { type TarHandler, TarParser } from '../../../src/core/backup/tar-parser.js';

const dir = mkdtempSync(join(tmpdir(), 'tar-parser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seen { name: string; type: string; content: string; linkTarget: string }

const collector = (): { handler: TarHandler; seen: Seen[]; ended: () => boolean } => {
  const seen: Seen[] = [];
  let current: Seen | undefined;
  let ended = false;
  return {
    seen,
    ended: () => ended,
    handler: {
      memberStart(member: TarMember) {
        current = { name: member.name, type: member.type, content: '', linkTarget: member.linkTarget };
      },
      memberData(_m, chunk) {
        if (current !== undefined) current.content += chunk.toString('latin1');
      },
      memberEnd() {
        if (current !== undefined) seen.push(current);
        current = undefined;
      },
      archiveEnd() {
        ended = true;
      },
    },
  };
};

// A real archive from GNU tar: a directory, files of awkward sizes and a symlink.
const src = join(dir, 'src');
mkdirSync(join(src, 'base', '1'), { recursive: true });
writeFileSync(join(src, 'base', '1', 'empty'), '');
writeFileSync(join(src, 'base', '1', 'odd'), 'x'.repeat(1000));
writeFileSync(join(src, 'PG_VERSION'), '15\n');
writeFileSync(join(src, 'block'), 'b'.repeat(512));
symlinkSync('/srv/tblspc', join(src, 'link'));
const archivePath = join(dir, 'a.tar');
execFileSync('tar', ['--format=ustar', '--sort=name', '-cf', archivePath, '-C', src, '.']);
const archive = readFileSync(archivePath);

describe('TarParser', () => {
  it('reads GNU tar output the same however the bytes are split', async () => {
    const whole = collector();
    const parser = new TarParser(whole.handler);
    await parser.push(archive);
    await parser.end();
    expect(whole.ended()).toBe(true);
    expect(whole.seen.map((s) => `${s.type}:${s.name}:${s.content.length}`)).toEqual([
      'directory:.:0', 'file:./PG_VERSION:3', 'directory:./base:0', 'directory:./base/1:0',
      'file:./base/1/empty:0', 'file:./base/1/odd:1000', 'file:./block:512', 'symlink:./link:0',
    ]);
    expect(whole.seen.find((s) => s.name === './link')?.linkTarget).toBe('/srv/tblspc');
    // Every split point of the first 3 KB, and byte-at-a-time for the whole archive.
    for (let cut = 1; cut < 3072; cut += 7) {
      const split = collector();
      const p = new TarParser(split.handler);
      await p.push(archive.subarray(0, cut));
      await p.push(archive.subarray(cut));
      await p.end();
      expect(split.seen).toEqual(whole.seen);
    }
    const bytewise = collector();
    const p = new TarParser(bytewise.handler);
    for (let i = 0; i < archive.length; i += 1) await p.push(archive.subarray(i, i + 1));
    await p.end();
    expect(bytewise.seen).toEqual(whole.seen);
  });

  it('accepts an archive without its end marker (what servers before 15 send)', async () => {
    const end = archive.length - 1024;
    let last = end;
    while (last > 0 && archive.subarray(last - 512, last).every((b) => b === 0)) last -= 512;
    const c = collector();
    const parser = new TarParser(c.handler);
    await parser.push(archive.subarray(0, last));
    await parser.end();
    expect(c.seen).toHaveLength(8);
    expect(parser.sawEndMarker).toBe(false);
  });

  it('refuses an archive cut inside a member', async () => {
    for (const cut of [100, 1100, 1600]) {
      const parser = new TarParser(collector().handler);
      await parser.push(archive.subarray(0, cut));
      await expect(parser.end()).rejects.toThrow('COPY stream ended before last file was finished');
    }
  });

  it('refuses data after the end marker', async () => {
    const parser = new TarParser(collector().handler);
    await expect(parser.push(Buffer.concat([archive, Buffer.from('junk')]))).rejects.toThrow(/after the end-of-archive marker/);
  });
});
