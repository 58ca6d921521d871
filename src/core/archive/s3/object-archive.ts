import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { withFsError } from '../../fs/fs-error.js';
import { archiveNamesFor } from '../../wal/archive-variants.js';
import type { WalFileName } from '../../wal/wal-file-kind.js';
import type { ArchiveStore, FetchedObject, Listing, PublishRequest, StoredVariant } from '../archive-store.js';
import { describeObjectLocation } from '../location.js';
import { errorCodeOf, type S3Client, S3Error, type S3Response } from './s3-client.js';
import { deleteRequestBody, parseDeleteFailures, parseListPage } from './s3-xml.js';

/** User metadata written with every object: SHA-256 of the stored bytes and of the content. */
const SHA256_HEADER = 'x-amz-meta-warmstandby-sha256';
const CONTENT_SHA256_HEADER = 'x-amz-meta-warmstandby-content-sha256';
const HEX64 = /^[0-9a-f]{64}$/;
/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

/**
 * A WAL archive in an S3 bucket, under the names a directory archive uses. A name is
 * published with one conditional PUT (If-None-Match: *): the service either stores the whole
 * object, checked against the SHA-256 its signature covers, or answers 412 because the name
 * exists. Never a multipart upload (RGW 16 ignores the condition on CompleteMultipartUpload),
 * never a temporary object: a PUT is atomic, so nothing partial can appear under a final name.
 */
export class ObjectArchive implements ArchiveStore {
  readonly kind = 'object';
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    private readonly prefix: string,
  ) {
    this.location = describeObjectLocation(client.bucket, prefix);
  }

  private key(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}/${name}`;
  }

  // A missing bucket shows in the first request's error: no extra round trip to find out.
  async unusableReason(): Promise<string | undefined> {
    return undefined;
  }

  /** One listing request with the file's own name as the prefix: a handful of keys at most. */
  async variants(file: WalFileName): Promise<StoredVariant[]> {
    const wanted = archiveNamesFor(file);
    const stem = file.kind === 'history' || file.kind === 'backup' ? file.plainName : file.segmentName;
    const sizes = new Map<string, number>();
    for await (const object of this.listStartingWith(stem)) sizes.set(object.name, object.size);
    const found: StoredVariant[] = [];
    for (const [name, compression] of wanted) {
      const size = sizes.get(name);
      if (size !== undefined) found.push({ name, compression, size });
    }
    return found;
  }

  async read(name: string, maxBytes: number): Promise<FetchedObject | undefined> {
    const key = this.key(name);
    const response = await this.client.send({ method: 'GET', key, maxResponseBytes: maxBytes });
    if (response.status === 404 && errorCodeOf(response) !== 'NoSuchBucket') return undefined;
    if (response.status !== 200) throw this.client.errorFor({ key }, response, 'Cannot read');
    const recorded = header(response, SHA256_HEADER);
    return { data: response.body, recordedSha256: recorded !== undefined && HEX64.test(recorded) ? recorded : undefined };
  }

  async createIfAbsent(request: PublishRequest): Promise<'created' | 'exists'> {
    const { body } = request;
    const data = body.kind === 'bytes' ? body.data : await withFsError('read file', body.path, () => readFile(body.path));
    const sha256 = createHash('sha256').update(data).digest('hex');
    const contentSha256 = request.content === undefined ? sha256 : createHash('sha256').update(request.content).digest('hex');
    const key = this.key(request.name);
    const response = await this.client.send({
      method: 'PUT',
      key,
      body: data,
      // Signed: the service refuses (400) bytes that differ from what was read. A Content-MD5
      // would check the same thing with a hash 2.4 × slower than SHA-256 here (docs/dev/performance.md).
      bodySha256: sha256,
      headers: {
        'If-None-Match': '*',
        'Content-Type': 'application/octet-stream',
        [SHA256_HEADER]: sha256,
        [CONTENT_SHA256_HEADER]: contentSha256,
      },
    });
    if (response.status === 200) return 'created';
    if (response.status === 412) return 'exists';
    throw this.client.errorFor({ key }, response, 'Cannot store');
  }

  async recordedContentSha256(name: string): Promise<string | undefined> {
    const key = this.key(name);
    const response = await this.client.send({ method: 'HEAD', key });
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw this.client.errorFor({ key }, response, 'Cannot look up');
    const recorded = header(response, CONTENT_SHA256_HEADER);
    return recorded !== undefined && HEX64.test(recorded) ? recorded : undefined;
  }

  localPath(): undefined {
    return undefined;
  }

  async list(): Promise<Listing> {
    const names: string[] = [];
    const sizes = new Map<string, number>();
    for await (const object of this.listStartingWith('')) {
      names.push(object.name);
      sizes.set(object.name, object.size);
    }
    return { names, sizes };
  }

  async remove(names: readonly string[], onRemoved?: (name: string) => void): Promise<void> {
    for (let at = 0; at < names.length; at += DELETE_BATCH) {
      const batch = names.slice(at, at + DELETE_BATCH);
      const body = Buffer.from(deleteRequestBody(batch.map((name) => this.key(name))));
      const response = await this.client.send({
        method: 'POST',
        key: '',
        query: { delete: '' },
        body,
        headers: { 'Content-MD5': createHash('md5').update(body).digest('base64'), 'Content-Type': 'application/xml' },
      });
      if (response.status !== 200) throw this.client.errorFor({ key: this.key('') }, response, 'Cannot remove objects under');
      const failures = parseDeleteFailures(response.body.toString('utf8'));
      const failed = new Set(failures.map((failure) => failure.key));
      for (const name of batch) if (!failed.has(this.key(name))) onRemoved?.(name);
      const firstFailure = failures[0];
      if (firstFailure !== undefined) {
        const { key, code, message } = firstFailure;
        throw new S3Error('s3-error', `Cannot remove "${this.client.describe(key)}": ${code}: ${message}`, 200, code, false);
      }
    }
  }

  /** Objects are written whole by one PUT: there are no leftovers to clean. */
  async removeLeftovers(): Promise<string[]> {
    return [];
  }

  /**
   * The objects directly under the prefix whose name starts with `start`, all pages. Keys
   * deeper down (another archive under a longer prefix) are not ours and are skipped.
   */
  private async *listStartingWith(start: string): AsyncGenerator<{ name: string; size: number }> {
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: `${base}${start}`, delimiter: '/' };
      if (token !== undefined) query['continuation-token'] = token;
      const response = await this.client.send({ method: 'GET', key: '', query, maxResponseBytes: 16 * 1024 * 1024 });
      if (response.status !== 200) throw this.client.errorFor({ key: `${base}${start}` }, response, 'Cannot list');
      const page = parseListPage(response.body.toString('utf8'));
      for (const object of page.objects) {
        if (!object.key.startsWith(base)) continue;
        const name = object.key.slice(base.length);
        if (name !== '' && !name.includes('/') && Number.isSafeInteger(object.size)) yield { name, size: object.size };
      }
      token = page.nextToken;
    } while (token !== undefined);
  }
}

const header = (response: S3Response, name: string): string | undefined => {
  const value = response.headers[name];
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
};
