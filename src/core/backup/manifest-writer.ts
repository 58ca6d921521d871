import { createHash } from 'node:crypto';
import { formatLsn } from '../wal/lsn.js';
import type { ManifestFile, ManifestWalRange } from './manifest.js';

export interface ManifestContent {
  readonly version?: 1 | 2;
  readonly systemIdentifier?: string;
  readonly files: readonly ManifestFile[];
  readonly walRanges: readonly ManifestWalRange[];
  /** Hex-encode every path, like MANIFEST 'force-encode'. */
  readonly forceEncode?: boolean;
}

const isUtf8 = (text: string): boolean => !text.includes('\uFFFD');

/**
 * Writes a backup_manifest byte for byte the way the server lays one out (one line per file,
 * WAL ranges, then the SHA-256 of everything before the last line), so tests can build
 * manifests for backups they assemble themselves and tools can re-emit one after filtering.
 */
export const formatManifest = (content: ManifestContent): Buffer => {
  const version = content.version ?? 1;
  let text = `{ "PostgreSQL-Backup-Manifest-Version": ${version},\n`;
  if (version === 2) text += `"System-Identifier": ${content.systemIdentifier ?? '0'},\n`;
  text += '"Files": [';
  content.files.forEach((file, index) => {
    text += index === 0 ? '\n' : ',\n';
    text += content.forceEncode === true || !isUtf8(file.path)
      ? `{ "Encoded-Path": "${Buffer.from(file.path, 'utf8').toString('hex')}", `
      : `{ "Path": ${JSON.stringify(file.path)}, `;
    text += `"Size": ${file.size}, "Last-Modified": "${file.lastModified ?? '2000-01-01 00:00:00 GMT'}"`;
    if (file.algorithm !== 'NONE') {
      text += `, "Checksum-Algorithm": "${file.algorithm}", "Checksum": "${file.checksum.toString('hex')}"`;
    }
    text += ' }';
  });
  text += '\n],\n"WAL-Ranges": [\n';
  text += content.walRanges
    .map((r) => `{ "Timeline": ${r.timeline}, "Start-LSN": "${formatLsn(r.startLsn)}", "End-LSN": "${formatLsn(r.endLsn)}" }`)
    .join(',\n');
  text += '\n],\n';
  const checksum = createHash('sha256').update(text, 'utf8').digest('hex');
  return Buffer.from(`${text}"Manifest-Checksum": "${checksum}"}\n`, 'utf8');
};
