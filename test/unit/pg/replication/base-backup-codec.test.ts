import { describe, expect, it } from 'vitest';
import { ProtocolError, ValidationError } from '../../../../src/core/errors.js';
import { BackendParser } from '../../../../src/core/pg/protocol/backend.js';
import { decodeBaseBackupMessage } from '../../../../src/core/pg/replication/base-backup-codec.js';
import { cstr, int64, msg, splitAt } from '../protocol/wire.js';

describe('BASE_BACKUP CopyData framing (15+)', () => {
  it("decodes 'n' new archive: name and location", () => {
    expect(decodeBaseBackupMessage(Buffer.concat([Buffer.from('n'), cstr('base.tar.gz'), cstr('')]))).toEqual({
      kind: 'archive', name: 'base.tar.gz', location: '',
    });
    expect(decodeBaseBackupMessage(Buffer.concat([Buffer.from('n'), cstr('16385.tar'), cstr('/srv/ts1')]))).toEqual({
      kind: 'archive', name: '16385.tar', location: '/srv/ts1',
    });
  });

  it("decodes 'd' data, 'p' progress and 'm' manifest", () => {
    expect(decodeBaseBackupMessage(Buffer.from('dtar bytes'))).toEqual({ kind: 'data', data: Buffer.from('tar bytes') });
    expect(decodeBaseBackupMessage(Buffer.concat([Buffer.from('p'), int64(0x1_0000_0000n)]))).toEqual({
      kind: 'progress', bytesDone: 0x1_0000_0000n,
    });
    expect(decodeBaseBackupMessage(Buffer.from('m'))).toEqual({ kind: 'manifest' });
  });

  it('refuses archive names that could escape the target directory', () => {
    for (const name of ['', '.hidden', '../base.tar', 'a/b.tar', 'a\\b.tar']) {
      expect(() => decodeBaseBackupMessage(Buffer.concat([Buffer.from('n'), cstr(name), cstr('')]))).toThrow(
        ValidationError,
      );
    }
  });

  it('rejects malformed and unknown messages', () => {
    const bad = [
      Buffer.alloc(0),
      Buffer.from('x'),
      Buffer.concat([Buffer.from('n'), cstr('base.tar')]),
      Buffer.concat([Buffer.from('n'), cstr('base.tar'), cstr(''), Buffer.from('z')]),
      Buffer.concat([Buffer.from('p'), Buffer.alloc(7)]),
      Buffer.concat([Buffer.from('p'), Buffer.alloc(9)]),
      Buffer.from('mx'),
    ];
    for (const payload of bad) expect(() => decodeBaseBackupMessage(payload)).toThrow(ProtocolError);
  });

  it('decodes identically when the CopyData stream is split at every offset', () => {
    const payloads = [
      Buffer.concat([Buffer.from('n'), cstr('base.tar'), cstr('')]),
      Buffer.concat([Buffer.from('d'), Buffer.alloc(100, 3)]),
      Buffer.concat([Buffer.from('p'), int64(512n)]),
      Buffer.from('m'),
      Buffer.from('d{"PostgreSQL-Backup-Manifest-Version": 1}'),
    ];
    const stream = Buffer.concat(payloads.map((p) => msg('d', p)));
    const decode = (chunks: Buffer[]) => {
      const parser = new BackendParser();
      return chunks.flatMap((c) => parser.feed(c)).map((m) => {
        if (m.type !== 'copyData') throw new Error(`unexpected ${m.type}`);
        return decodeBaseBackupMessage(m.data);
      });
    };
    const expected = decode([stream]);
    expect(expected.map((m) => m.kind)).toEqual(['archive', 'data', 'progress', 'manifest', 'data']);
    for (let offset = 0; offset <= stream.length; offset++) expect(decode(splitAt(stream, offset))).toEqual(expected);
  });
});
