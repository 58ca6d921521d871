import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemError } from '../../../src/core/errors.js';
import { publishNoReplace, renameDurable, writeFileDurable, writeTempFile } from '../../../src/core/fs/durable.js';
import { filesEqual } from '../../../src/core/fs/files-equal.js';
import { fileSystemError } from '../../../src/core/fs/fs-error.js';
import { fsyncDirectory, fsyncFile } from '../../../src/core/fs/sync.js';
import { parseTempName, tempHostTag, tempPathFor } from '../../../src/core/fs/temp-name.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

describe('writeFileDurable', () => {
  it('writes the content with the requested mode and leaves no temp file', async () => {
    const path = join(dir, 'a.conf');
    await writeFileDurable(path, 'hello\n', { mode: 0o640 });
    expect(await readFile(path, 'utf8')).toBe('hello\n');
    expect((await stat(path)).mode & 0o777).toBe(0o640 & ~process.umask());
    expect(await readdir(dir)).toEqual(['a.conf']);
  });

  it('replaces an existing file as a whole', async () => {
    const path = join(dir, 'a');
    await writeFile(path, 'old');
    await writeFileDurable(path, Buffer.from('new content'), { sync: false });
    expect(await readFile(path, 'utf8')).toBe('new content');
  });

  it('reports a missing directory as "Cannot write file" and cleans up', async () => {
    const path = join(dir, 'missing', 'a');
    const error = await writeFileDurable(path, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as FileSystemError).code).toBe('file-not-found');
    expect((error as FileSystemError).message).toMatch(/^Cannot write file ".*\/missing\/\.a\..*\.tmp": No such file or directory$/);
  });

  it('reports EACCES as permission-denied', async () => {
    await chmod(dir, 0o555);
    let error: { code?: string; message?: string } | undefined;
    if (isRoot) {
      // root bypasses permission checks: the same call runs as "nobody" in a child process
      // (from the build in dist/).
      const durable = pathToFileURL(resolve('dist/core/fs/durable.js')).href;
      const script = `const { writeFileDurable } = await import(${JSON.stringify(durable)});
        await writeFileDurable(${JSON.stringify(join(dir, 'a'))}, 'x').then(
          () => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
      error = JSON.parse(child.stdout) as { code?: string; message?: string };
    } else {
      error = (await writeFileDurable(join(dir, 'a'), 'x').catch((e: unknown) => e)) as FileSystemError;
    }
    await chmod(dir, 0o700);
    expect(error.code).toBe('permission-denied');
    expect(error.message).toMatch(/^Cannot write file ".*": Permission denied$/);
  });
});

describe('publishNoReplace', () => {
  it('publishes, removes the temp name, and refuses to overwrite', async () => {
    const final = join(dir, 'seg');
    const tmp1 = tempPathFor(final);
    await writeTempFile(tmp1, 'first');
    expect(await publishNoReplace(tmp1, final)).toBe('published');
    const tmp2 = tempPathFor(final);
    await writeTempFile(tmp2, 'second');
    expect(await publishNoReplace(tmp2, final)).toBe('exists');
    expect(await readFile(final, 'utf8')).toBe('first');
    expect(await readdir(dir)).toEqual(['seg']);
  });

  it('lets exactly one of many concurrent publishers win', async () => {
    const final = join(dir, 'race');
    const temps = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const tmp = tempPathFor(final);
        await writeTempFile(tmp, `writer ${i}`);
        return tmp;
      }),
    );
    const outcomes = await Promise.all(temps.map((tmp) => publishNoReplace(tmp, final)));
    expect(outcomes.filter((o) => o === 'published')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'exists')).toHaveLength(15);
    expect(await readFile(final, 'utf8')).toMatch(/^writer \d+$/);
    expect(await readdir(dir)).toEqual(['race']);
  });

  it('fails cleanly when the temp file is missing', async () => {
    await expect(publishNoReplace(join(dir, 'nope'), join(dir, 'final'))).rejects.toThrow(
      /^Cannot publish file ".*final": No such file or directory$/,
    );
  });
});

describe('renameDurable and fsync helpers', () => {
  it('renames over an existing file', async () => {
    await writeFile(join(dir, 'a'), 'A');
    await writeFile(join(dir, 'b'), 'B');
    await renameDurable(join(dir, 'a'), join(dir, 'b'));
    expect(await readdir(dir)).toEqual(['b']);
    expect(await readFile(join(dir, 'b'), 'utf8')).toBe('A');
  });

  it('names the source in its error', async () => {
    await expect(renameDurable(join(dir, 'x'), join(dir, 'y'))).rejects.toThrow(/^Cannot fsync file ".*x": No such/);
    await expect(renameDurable(join(dir, 'x'), join(dir, 'y'), { sync: false })).rejects.toThrow(
      /^Cannot rename file ".*x" to ".*y": No such/,
    );
  });

  it('fsyncs directories and files, and skips everything with sync: false', async () => {
    await writeFile(join(dir, 'f'), 'x');
    await fsyncDirectory(dir);
    await fsyncFile(join(dir, 'f'));
    await expect(fsyncDirectory(join(dir, 'absent'))).rejects.toThrow(/^Cannot fsync directory/);
    await fsyncDirectory(join(dir, 'absent'), { sync: false });
  });
});

describe('filesEqual', () => {
  it('compares content across chunk boundaries', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(join(dir, 'a'), big);
    await writeFile(join(dir, 'b'), big);
    expect(await filesEqual(join(dir, 'a'), join(dir, 'b'))).toBe(true);
    big[2 * 1024 * 1024 + 5] = 8;
    await writeFile(join(dir, 'c'), big);
    expect(await filesEqual(join(dir, 'a'), join(dir, 'c'))).toBe(false);
    await writeFile(join(dir, 'd'), big.subarray(1));
    expect(await filesEqual(join(dir, 'a'), join(dir, 'd'))).toBe(false);
  });
  it('throws a FileSystemError for a missing file', async () => {
    await writeFile(join(dir, 'a'), '');
    await expect(filesEqual(join(dir, 'a'), join(dir, 'zz'))).rejects.toBeInstanceOf(FileSystemError);
  });
});

describe('names and messages', () => {
  it('makes unique hidden temp names in the same directory', () => {
    const a = tempPathFor('/x/y/000000010000000000000001');
    const b = tempPathFor('/x/y/000000010000000000000001');
    expect(a).not.toBe(b);
    expect(a.startsWith('/x/y/.000000010000000000000001.')).toBe(true);
    expect(parseTempName(a.slice('/x/y/'.length))).toEqual({
      finalName: '000000010000000000000001', host: tempHostTag(), pid: process.pid,
    });
    expect(parseTempName('000000010000000000000001')).toBeUndefined();
    // Names from before the host was recorded say nothing about their writer: not ours to judge.
    expect(parseTempName('.000000010000000000000001.123.0123456789ab.tmp')).toBeUndefined();
    expect(tempHostTag('db1.example.com')).toBe('db1-example-com');
  });
  it('maps ENOSPC to disk-full with a plain reason', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const error = fileSystemError(enospc, 'write file', '/a/b');
    expect(error.code).toBe('disk-full');
    expect(error.message).toBe('Cannot write file "/a/b": No space left on device');
    expect(error.path).toBe('/a/b');
  });
});
