import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TAR_BLOCK_SIZE, type TarMember, createTarHeader, parseTarHeader, readTarNumber, tarPadding, writeTarNumber,
} from '../../../src/core/backup/tar-format.js';

const dir = mkdtempSync(join(tmpdir(), 'tar-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, size: number): TarMember => ({
  name, type: 'file', size, mode: 0o600, uid: 26, gid: 26, mtime: 1_700_000_000, linkTarget: '',
});

describe('tar numbers', () => {
  it('round-trips octal and base-256 values', () => {
    for (const value of [0, 1, 0o7777, 8 ** 11 - 1, 8 ** 11, 2 ** 40 + 3]) {
      const block = Buffer.alloc(12);
      writeTarNumber(block, 0, 12, value);
      expect(readTarNumber(block, 0, 12)).toBe(value);
    }
    const octal = Buffer.alloc(12);
    writeTarNumber(octal, 0, 12, 8 ** 11 - 1);
    expect(octal.toString('latin1')).toBe('77777777777 ');
    const big = Buffer.alloc(12);
    writeTarNumber(big, 0, 12, 8 ** 11);
    expect(big[0]).toBe(0x80);
  });

  it('pads members to whole blocks', () => {
    expect([0, 1, 511, 512, 513].map(tarPadding)).toEqual([0, 511, 1, 0, 511]);
  });
});

describe('headers', () => {
  it('writes headers GNU tar lists and extracts', () => {
    const content = Buffer.from('hello tar\n');
    const parts = [
      createTarHeader({ ...file('dir', 0), type: 'directory', mode: 0o700 }),
      createTarHeader(file('dir/a.txt', content.length)),
      content,
      Buffer.alloc(tarPadding(content.length)),
      createTarHeader({ ...file('link', 0), type: 'symlink', linkTarget: '/somewhere/else' }),
      Buffer.alloc(1024),
    ];
    const path = join(dir, 'made.tar');
    writeFileSync(path, Buffer.concat(parts));
    const listing = execFileSync('tar', ['-tvf', path], { encoding: 'utf8' });
    expect(listing).toMatch(/^drwx------ .* dir\/$/m);
    expect(listing).toMatch(/^-rw------- .* 10 .* dir\/a\.txt$/m);
    expect(listing).toMatch(/^lrw.* link\/ -> \/somewhere\/else$/m);
    execFileSync('tar', ['-xf', path, '-C', dir]);
    expect(readFileSync(join(dir, 'dir', 'a.txt'), 'utf8')).toBe('hello tar\n');
  });

  it('parses headers written by GNU tar, including the ustar prefix for long names', () => {
    const longDir = 'd'.repeat(90);
    execFileSync('mkdir', ['-p', join(dir, 'src', longDir)]);
    writeFileSync(join(dir, 'src', longDir, 'f'.repeat(40)), 'x');
    const path = join(dir, 'gnu.tar');
    execFileSync('tar', ['--format=ustar', '-cf', path, '-C', join(dir, 'src'), longDir]);
    const bytes = readFileSync(path);
    const names: string[] = [];
    for (let at = 0; at + TAR_BLOCK_SIZE <= bytes.length;) {
      const member = parseTarHeader(bytes.subarray(at, at + TAR_BLOCK_SIZE));
      if (member === null) break;
      names.push(member.name);
      at += TAR_BLOCK_SIZE + member.size + tarPadding(member.size);
    }
    expect(names).toEqual([longDir, `${longDir}/${'f'.repeat(40)}`]);
  });

  it('refuses bad checksums, unsafe names and unknown types', () => {
    const good = createTarHeader(file('ok', 1));
    const corrupt = Buffer.from(good);
    corrupt[0] = 0x70;
    expect(() => parseTarHeader(corrupt)).toThrow(/checksum mismatch/);
    expect(() => parseTarHeader(createTarHeader(file('../evil', 1)))).toThrow(/unsafe path name: "..\/evil"/);
    expect(() => parseTarHeader(createTarHeader(file('a/../../evil', 1)))).toThrow(/unsafe path name/);
    const absolute = createTarHeader(file('x', 1));
    absolute.write('/etc/x\0', 0, 'latin1');
    absolute.write('       ', 148, 'latin1');
    writeTarNumber(absolute, 148, 8, [...absolute].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0));
    expect(() => parseTarHeader(absolute)).toThrow(/unsafe path name: "\/etc\/x"/);
    const fifo = createTarHeader(file('fifo', 0));
    fifo[156] = 0x36;
    writeTarNumber(fifo, 148, 8, [...fifo].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0));
    expect(() => parseTarHeader(fifo)).toThrow(/unsupported type "6"/);
  });

  it('treats an all-zero block as the end of the archive', () => {
    expect(parseTarHeader(Buffer.alloc(TAR_BLOCK_SIZE))).toBeNull();
  });

  it('refuses names that do not fit a ustar header', () => {
    expect(() => createTarHeader(file('x'.repeat(100), 0))).toThrow(/name too long/);
  });
});
