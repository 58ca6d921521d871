import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileModeFor, inspectDataDirectory } from '../../../../src/core/pg/server-files/data-directory.js';

describe('inspectDataDirectory', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ws-datadir-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('says a missing directory does not exist, as pg_ctl does', async () => {
    const path = join(root, 'nope');
    await expect(inspectDataDirectory(path)).rejects.toThrowError(`directory "${path}" does not exist`);
  });

  it('refuses a directory without PG_VERSION', async () => {
    await expect(inspectDataDirectory(root)).rejects.toThrowError(
      `directory "${root}" is not a database cluster directory`,
    );
  });

  it('returns owner and mode of a cluster directory', async () => {
    const dir = join(root, 'cluster');
    await mkdir(dir, { mode: 0o750 });
    await chmod(dir, 0o750);
    await writeFile(join(dir, 'PG_VERSION'), '15\n');
    const info = await inspectDataDirectory(dir);
    expect(info.mode).toBe(0o750);
    expect(info.uid).toBe(process.getuid?.());
    expect(fileModeFor(info)).toBe(0o640);
    expect(fileModeFor({ mode: 0o700 })).toBe(0o600);
  });
});
