import { type CompressionMethod, compressionOfSuffix } from '../compression/compression-method.js';
import { ValidationError } from '../errors.js';
import { isSafeRelativePath } from './canonical-path.js';

/** The ustar layout PostgreSQL's servers send and its client tools write. */
export const TAR_BLOCK_SIZE = 512;
export const TAR_TRAILER_SIZE = 2 * TAR_BLOCK_SIZE;

export const TarMemberType = {
  file: 'file',
  directory: 'directory',
  symlink: 'symlink',
} as const;
export type TarMemberType = (typeof TarMemberType)[keyof typeof TarMemberType];

export interface TarMember {
  /** Path inside the archive, without the trailing slash directories and links carry. */
  readonly name: string;
  readonly type: TarMemberType;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly linkTarget: string;
}

/** The compression a tar archive's name says it has (base.tar, base.tar.gz, .tar.lz4, .tar.zst). */
export const archiveCompression = (name: string): CompressionMethod | undefined => {
  if (name.endsWith('.tar')) return 'none';
  const suffix = /\.tar\.([a-z0-9]+)$/.exec(name)?.[1];
  return suffix === undefined ? undefined : compressionOfSuffix(suffix);
};

export const tarPadding = (size: number): number =>
  (TAR_BLOCK_SIZE - (size % TAR_BLOCK_SIZE)) % TAR_BLOCK_SIZE;

/** Octal with leading zeros and a trailing space, or GNU base-256 when it does not fit. */
export const writeTarNumber = (block: Buffer, offset: number, length: number, value: number): void => {
  if (value < 2 ** ((length - 1) * 3)) {
    block.write(`${value.toString(8).padStart(length - 1, '0')} `, offset, length, 'latin1');
    return;
  }
  let rest = BigInt(value);
  block[offset] = 0x80;
  for (let i = length - 1; i > 0; i -= 1) {
    block[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
};

export const readTarNumber = (block: Buffer, offset: number, length: number): number => {
  if (block[offset] === 0x80) {
    let value = 0;
    for (let i = 1; i < length; i += 1) value = value * 256 + (block[offset + i] ?? 0);
    return value;
  }
  let value = 0;
  for (let i = 0; i < length; i += 1) {
    const c = block[offset + i] ?? 0;
    if (c === 0x20 && value === 0) continue; // some writers pad with leading spaces
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
  }
  return value;
};

/** The header checksum: the byte sum with the checksum field counted as eight spaces. */
export const tarChecksum = (block: Buffer): number => {
  let sum = 8 * 0x20;
  for (let i = 0; i < TAR_BLOCK_SIZE; i += 1) {
    if (i < 148 || i >= 156) sum += block[i] ?? 0;
  }
  return sum;
};

const cString = (block: Buffer, offset: number, length: number): string => {
  const end = block.indexOf(0, offset);
  return block.toString('latin1', offset, end === -1 || end > offset + length ? offset + length : end);
};

const isZeroBlock = (block: Buffer): boolean => {
  for (let i = 0; i < TAR_BLOCK_SIZE; i += 1) if (block[i] !== 0) return false;
  return true;
};

const decode = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

/**
 * Parses and validates one 512-byte header block. Returns null for the all-zero block that
 * starts the archive trailer. Names are checked before anything can use them as a path:
 * relative, no "..", no NUL; symbolic links are returned with their target for the caller
 * to judge, since only it knows which targets are legitimate.
 */
export const parseTarHeader = (block: Buffer): TarMember | null => {
  if (block.length !== TAR_BLOCK_SIZE) throw new Error('a tar header is one 512-byte block');
  if (isZeroBlock(block)) return null;
  const stored = readTarNumber(block, 148, 8);
  if (stored !== tarChecksum(block)) {
    throw new ValidationError('tar-checksum', 'Cannot read archive: tar header checksum mismatch');
  }
  let name = cString(block, 0, 100);
  const isUstar = block.toString('latin1', 257, 262) === 'ustar';
  const prefix = isUstar ? cString(block, 345, 155) : '';
  if (prefix !== '') name = `${prefix}/${name}`;
  name = decode(name);
  if (name === '') throw new ValidationError('tar-member-name', 'tar member has empty name');
  const typeFlag = String.fromCharCode(block[156] ?? 0);
  let type: TarMemberType;
  if (typeFlag === '5') type = TarMemberType.directory;
  else if (typeFlag === '2') type = TarMemberType.symlink;
  else if (typeFlag === '0' || typeFlag === '\0' || typeFlag === '7') type = TarMemberType.file;
  else {
    throw new ValidationError(
      'tar-member-type',
      `Cannot read archive: tar member "${name}" has unsupported type "${typeFlag}"`,
    );
  }
  if (!isSafeRelativePath(name)) {
    throw new ValidationError('tar-member-name', `tar member has unsafe path name: "${name}"`);
  }
  const trimmed = name.replace(/\/+$/, '');
  return {
    name: trimmed === '' ? name : trimmed,
    type,
    size: type === TarMemberType.file ? readTarNumber(block, 124, 12) : 0,
    mode: readTarNumber(block, 100, 8),
    uid: readTarNumber(block, 108, 8),
    gid: readTarNumber(block, 116, 8),
    mtime: readTarNumber(block, 136, 12),
    linkTarget: type === TarMemberType.symlink ? decode(cString(block, 157, 100)) : '',
  };
};

/**
 * A ustar header as PostgreSQL writes one: directories and links carry a trailing slash and
 * size 0, owner names "postgres". Names longer than 99 bytes do not fit and are refused.
 */
export const createTarHeader = (member: TarMember): Buffer => {
  const block = Buffer.alloc(TAR_BLOCK_SIZE);
  const dirLike = member.type !== TarMemberType.file;
  const name = Buffer.from(member.name + (dirLike ? '/' : ''), 'utf8');
  if (Buffer.byteLength(member.name, 'utf8') > 99) {
    throw new ValidationError('tar-name-too-long', `Cannot archive "${member.name}": name too long`);
  }
  name.copy(block, 0, 0, Math.min(name.length, 100));
  writeTarNumber(block, 100, 8, member.mode & 0o7777);
  writeTarNumber(block, 108, 8, member.uid);
  writeTarNumber(block, 116, 8, member.gid);
  writeTarNumber(block, 124, 12, dirLike ? 0 : member.size);
  writeTarNumber(block, 136, 12, member.mtime);
  if (member.type === TarMemberType.symlink) {
    block[156] = 0x32;
    const target = Buffer.from(member.linkTarget, 'utf8');
    if (target.length > 99) {
      throw new ValidationError('tar-name-too-long', `Cannot archive "${member.name}": link target too long`);
    }
    target.copy(block, 157);
  } else {
    block[156] = member.type === TarMemberType.directory ? 0x35 : 0x30;
  }
  block.write('ustar', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.write('postgres', 265, 'latin1');
  block.write('postgres', 297, 'latin1');
  writeTarNumber(block, 329, 8, 0);
  writeTarNumber(block, 337, 8, 0);
  writeTarNumber(block, 148, 8, tarChecksum(block));
  return block;
};
