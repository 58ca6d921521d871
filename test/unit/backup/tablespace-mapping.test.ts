import { describe, expect, it } from 'vitest';
import { mapTablespace, parseTablespaceMapping } from '../../../src/core/backup/tablespace-mapping.js';

describe('-T OLDDIR=NEWDIR', () => {
  it('splits on the first unescaped "=" and canonicalizes both sides', () => {
    expect(parseTablespaceMapping('/srv/ts1//=/mnt/ts1/')).toEqual({ oldDir: '/srv/ts1', newDir: '/mnt/ts1' });
    expect(parseTablespaceMapping('/srv/a\\=b=/mnt/c')).toEqual({ oldDir: '/srv/a=b', newDir: '/mnt/c' });
    expect(parseTablespaceMapping('C:\\data=/mnt/d').oldDir).toBe('C:\\data');
  });

  it.each([
    ['=/b', 'invalid tablespace mapping format "=/b", must be "OLDDIR=NEWDIR"'],
    ['/a=', 'invalid tablespace mapping format "/a=", must be "OLDDIR=NEWDIR"'],
    ['/a', 'invalid tablespace mapping format "/a", must be "OLDDIR=NEWDIR"'],
    ['/a=/b=/c', 'multiple "=" signs in tablespace mapping'],
    ['rel=/b', 'old directory is not an absolute path in tablespace mapping: rel'],
    ['/a=rel', 'new directory is not an absolute path in tablespace mapping: rel'],
  ])('refuses %j like pg_basebackup', (arg, message) => {
    expect(() => parseTablespaceMapping(arg)).toThrow(message);
  });

  it('maps a location given in any spelling, and leaves others alone', () => {
    const mappings = [parseTablespaceMapping('/srv/ts1=/mnt/ts1')];
    expect(mapTablespace(mappings, '/srv//ts1/')).toBe('/mnt/ts1');
    expect(mapTablespace(mappings, '/srv/ts2')).toBe('/srv/ts2');
  });
});
