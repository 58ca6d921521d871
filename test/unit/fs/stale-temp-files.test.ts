import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STALE_TEMP_AGE_MS, removeStaleTempFiles } from '../../../src/core/fs/stale-temp-files.js';
import { tempHostTag } from '../../../src/core/fs/temp-name.js';

const SEG = '000000010000000000000003';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ws-stale-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that ran and has exited: what a killed pusher leaves in its temporary file's name. */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
};

const place = (name: string, ageMs: number): string => {
  writeFileSync(join(dir, name), 'x');
  const when = (Date.now() - ageMs) / 1000;
  utimesSync(join(dir, name), when, when);
  return name;
};
const temp = (host: string, pid: number): string => `.${SEG}.${host}.${pid}.0123456789ab.tmp`;

describe('removeStaleTempFiles', () => {
  it('removes only old temporaries of dead writers on this host', async () => {
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const old = STALE_TEMP_AGE_MS + 60_000;
      const dead = deadPid();
      const stale = place(temp(tempHostTag(), dead), old);
      const keep = [
        place(temp(tempHostTag(), live.pid as number), old), // its writer still runs
        place(temp('another-host', dead), old), // a pid on another host means nothing here
        place(temp(tempHostTag(), deadPid()), 60_000), // too young to judge
        place(`.${SEG}.${dead}.0123456789ab.tmp`, old), // an older name without the host
        place(SEG, old),
        place(`${SEG}.tmp`, old),
      ];
      expect(removeStaleTempFiles(dir)).toEqual([stale]);
      expect(readdirSync(dir).sort()).toEqual([...keep].sort());
    } finally {
      live.kill();
    }
  });
});
