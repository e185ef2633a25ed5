import { PassThrough, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type ByteRange, type ObjectInfo, ObjectNotFoundError, type StorageDriver } from './driver.js';

export interface S3Options {
  bucket: string;
  region: string;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  prefix: string;
  partSizeMiB: number;
}

const MiB = 1024 * 1024;
/** S3's limits: a copied part (and a single CopyObject) is at most 5 GiB; every part but the last is at least 5 MiB. */
const maxCopyBytes = 5 * 1024 * MiB;
const minPartBytes = 5 * MiB;

/** The store answered 501: it lacks the operation (s3rver has no UploadPartCopy or ListMultipartUploads). */
function isUnsupportedByStore(error: unknown): boolean {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 501;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Objects in an S3-compatible bucket. PutObject and CompleteMultipartUpload are atomic, so a reader
 * never sees a partial object; interrupted multipart uploads are aborted by cleanup().
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  private readonly client: S3Client;
  private readonly prefix: string;
  private partCopySupported = true;

  constructor(private readonly options: S3Options) {
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // Checksums only where S3 requires them: some S3-compatible stores save aws-chunked framing
      // as object data when a streamed PutObject carries a trailing checksum.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    });
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** `bucket/key` with each path segment URL-encoded, as CopyObject and UploadPartCopy take it. */
  private copySource(key: string): string {
    return `${this.options.bucket}/${this.key(key).split('/').map(encodeURIComponent).join('/')}`;
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }),
      );
      return { key, size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Readable> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      const body = result.Body;
      if (!(body instanceof Readable)) throw new Error('S3 GetObject returned no stream');
      return body;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async write(key: string, source: Readable, signal?: AbortSignal): Promise<number> {
    let bytes = 0;
    const counted = new PassThrough({ highWaterMark: MiB });
    source.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    source.once('error', (error) => counted.destroy(error));
    source.pipe(counted);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: this.key(key), Body: counted },
      partSize: this.options.partSizeMiB * MiB,
      queueSize: 2,
      leavePartsOnError: false,
      ...(signal ? { abortController: abortControllerFor(signal) } : {}),
    });
    const failed = new Promise<never>((_, reject) => counted.once('error', reject));
    try {
      await Promise.race([upload.done(), failed]);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      throw error;
    }
    return bytes;
  }

  async concat(key: string, sources: readonly string[]): Promise<void> {
    const infos: ObjectInfo[] = [];
    for (const source of sources) {
      const info = await this.stat(source);
      if (!info) throw new ObjectNotFoundError(source);
      infos.push(info);
    }
    const total = infos.reduce((sum, info) => sum + info.size, 0);
    if (infos.length === 1 && total <= maxCopyBytes) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(key),
          CopySource: this.copySource(sources[0] as string),
        }),
      );
      return;
    }
    const copyable = infos.every((info, i) => i === infos.length - 1 || info.size >= minPartBytes);
    if (copyable && total > 0 && this.partCopySupported) {
      try {
        await this.copyParts(key, infos);
        return;
      } catch (error) {
        if (!isUnsupportedByStore(error)) throw error;
        // Some S3-compatible stores lack UploadPartCopy: from now on, join through this process.
        this.partCopySupported = false;
      }
    }
    // Small chunks cannot be parts of a multipart copy: stream them through once.
    const joined = Readable.from(this.readAll(sources));
    await this.write(key, joined);
  }

  private async *readAll(sources: readonly string[]): AsyncIterable<Buffer> {
    for (const source of sources) {
      for await (const chunk of await this.read(source)) yield chunk as Buffer;
    }
  }

  private async copyParts(key: string, infos: readonly ObjectInfo[]): Promise<void> {
    const Bucket = this.options.bucket;
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key: this.key(key) }));
    const UploadId = created.UploadId as string;
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (const info of infos) {
        for (let start = 0; start < info.size || (start === 0 && info.size === 0); start += maxCopyBytes) {
          const end = Math.min(info.size, start + maxCopyBytes) - 1;
          const PartNumber = parts.length + 1;
          const result = await this.client.send(
            new UploadPartCopyCommand({
              Bucket,
              Key: this.key(key),
              UploadId,
              PartNumber,
              CopySource: this.copySource(info.key),
              ...(info.size > 0 ? { CopySourceRange: `bytes=${start}-${end}` } : {}),
            }),
          );
          parts.push({ ETag: result.CopyPartResult?.ETag as string, PartNumber });
          if (info.size === 0) break;
        }
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: this.key(key),
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket, Key: this.key(key), UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async deleteMany(keys: readonly string[], concurrency = 4): Promise<string[]> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
    const failed: string[] = [];
    const next = async (): Promise<void> => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.options.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.key(key) })), Quiet: true },
          }),
        );
        const prefix = this.key('');
        for (const error of result.Errors ?? [])
          if (error.Key && error.Code !== 'NoSuchKey') failed.push(error.Key.slice(prefix.length));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, next));
    return failed;
  }

  async deletePrefix(prefix: string): Promise<void> {
    let batch: string[] = [];
    for await (const object of this.list(prefix)) {
      batch.push(object.key);
      if (batch.length === 1000) {
        await this.deleteMany(batch, 1);
        batch = [];
      }
    }
    await this.deleteMany(batch, 1);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.key(prefix),
          ContinuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        yield {
          key: (object.Key as string).slice(this.prefix.length),
          size: object.Size ?? 0,
          modified: object.LastModified ?? new Date(0),
        };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async cleanup(maxAgeMs: number): Promise<void> {
    const cutoff = Date.now() - maxAgeMs;
    const Bucket = this.options.bucket;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket,
            Prefix: this.prefix || undefined,
            KeyMarker,
            UploadIdMarker,
          }),
        );
      } catch (error) {
        // A store without ListMultipartUploads expires incomplete uploads by its own lifecycle rules.
        if (isUnsupportedByStore(error)) return;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        if ((upload.Initiated?.getTime() ?? 0) < cutoff) {
          await this.client
            .send(new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }))
            .catch(() => undefined);
        }
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function abortControllerFor(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
