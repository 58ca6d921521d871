import { ProtocolError, ValidationError } from '../../errors.js';
import { BufferReader } from '../protocol/buffer-reader.js';

/**
 * The CopyData payloads of a PostgreSQL 15+ BASE_BACKUP stream (one CopyOut for every
 * archive). Older servers send raw tar bytes instead: this codec is for 15+ only.
 */
export type BaseBackupMessage =
  /** 'n': a new archive starts; `location` is the tablespace path, '' for the main one. */
  | { readonly kind: 'archive'; readonly name: string; readonly location: string }
  /** 'd': archive bytes (or manifest bytes after 'm'). A view into the owned payload. */
  | { readonly kind: 'data'; readonly data: Buffer }
  /** 'p': bytes of the backup done so far. */
  | { readonly kind: 'progress'; readonly bytesDone: bigint }
  /** 'm': the backup manifest follows in the next 'd' messages. */
  | { readonly kind: 'manifest' };

/** Archive names come from the server and become file names: refuse anything path-like. */
export const checkArchiveName = (name: string): void => {
  if (name === '' || name.startsWith('.') || name.includes('/') || name.includes('\\') || name.includes('\0')) {
    throw new ValidationError(
      'unsafe-archive-name',
      `Cannot accept archive name ${JSON.stringify(name)} from the server: not a plain file name`,
    );
  }
};

export const decodeBaseBackupMessage = (payload: Buffer): BaseBackupMessage => {
  const reader = new BufferReader(payload, 'base backup message');
  if (payload.length === 0) throw new ProtocolError('Cannot decode base backup message: empty message');
  const kind = String.fromCharCode(reader.int8());
  switch (kind) {
    case 'n': {
      const name = reader.cstring();
      const location = reader.cstring();
      reader.end();
      checkArchiveName(name);
      return { kind: 'archive', name, location };
    }
    case 'd':
      return { kind: 'data', data: reader.rest() };
    case 'p': {
      const bytesDone = reader.uint64();
      reader.end();
      return { kind: 'progress', bytesDone };
    }
    case 'm':
      reader.end();
      return { kind: 'manifest' };
    default:
      throw new ProtocolError(
        `Cannot decode base backup message: unknown type 0x${(payload[0] ?? 0).toString(16).padStart(2, '0')}`,
      );
  }
};
