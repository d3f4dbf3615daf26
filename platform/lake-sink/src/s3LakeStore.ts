import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { removeIfPresent } from './durableFiles.ts';
import type { LakeStore, StoredObject } from './lakeStore.ts';

export type S3LakeStoreOptions = {
  readonly bucket: string;
  /** Keys of the lake start with this (no leading or trailing `/`; empty: the bucket's root). */
  readonly prefix: string;
  /** An S3-compatible server's URL (e.g. http://127.0.0.1:9070); AWS's own when undefined. */
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** Undefined: the SDK's default chain (environment, profile, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Downloads for DuckDB and files on their way up live here. */
  readonly cacheDir: string;
};

const statusOf = (error: unknown): number | undefined =>
  error instanceof S3ServiceException
    ? error.$metadata.httpStatusCode
    : (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

const isMissing = (error: unknown): boolean =>
  statusOf(error) === 404 || (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound'));

/**
 * A lake under an S3 prefix, through `@aws-sdk/client-s3` (path-style by default, for S3-compatible servers). A
 * new file is uploaded whole with one PUT, so it is visible complete or not at all; an exclusive create is a PUT
 * with `If-None-Match: *` (412: it existed); a move is a server-side copy, then a delete of the source. Objects
 * under `events/` are never rewritten once there, so a cached download of the right size is the object.
 */
export const createS3LakeStore = (options: S3LakeStoreOptions): LakeStore => {
  // the pinned SDK (3.1175, the last for Node 20) warns that later ones need Node 22; nothing to act on at run time
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const client = new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
  });
  const { bucket } = options;
  const root = options.prefix === '' ? '' : `${options.prefix}/`;
  const keyOf = (key: string): string => `${root}${key}`;
  const cacheRoot = join(options.cacheDir, bucket, ...options.prefix.split('/').filter((p) => p !== ''));
  const cachePathOf = (key: string): string => join(cacheRoot, ...key.split('/'));
  const uploadDir = join(options.cacheDir, '_upload');

  const put = async (key: string, body: Buffer | Readable, length: number, exclusive: boolean): Promise<void> => {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keyOf(key),
        Body: body,
        ContentLength: length,
        ...(exclusive ? { IfNoneMatch: '*' } : {}),
      }),
    );
  };

  const headSize = async (key: string): Promise<number | undefined> => {
    try {
      return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(key) }))).ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };

  return {
    url: `s3://${bucket}/${options.prefix}`,
    putFile: async (key, write) => {
      await mkdir(uploadDir, { recursive: true });
      const local = join(uploadDir, `${randomUUID()}.parquet`);
      try {
        await write(local);
        const { size } = await stat(local);
        // small files go up from memory, so the SDK can retry them; big ones (a compaction's) stream
        if (size <= 64 * 1024 * 1024) {
          await put(key, await readFile(local), size, false);
        } else await put(key, createReadStream(local), size, false);
        return size;
      } finally {
        await removeIfPresent(local);
      }
    },
    createExclusive: async (key, text) => {
      const body = Buffer.from(text);
      for (let attempt = 0; ; attempt += 1) {
        try {
          await put(key, body, body.length, true);
          return true;
        } catch (error) {
          if (statusOf(error) === 412) return false;
          // 409: a conditional write of the same key is in flight; its outcome decides ours
          if (statusOf(error) === 409 && attempt < 5) {
            await delay(50 * 2 ** attempt);
            continue;
          }
          throw error;
        }
      }
    },
    readText: async (key, readOptions = {}) => {
      const cached = readOptions.immutable === true ? cachePathOf(key) : undefined;
      if (cached !== undefined) {
        const text = await readFile(cached, 'utf8').catch(() => undefined);
        if (text !== undefined) return text;
      }
      let text: string;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        text = (await object.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      if (cached !== undefined) {
        // a manifest entry is read once per machine, not once per `waggle lake` run
        await mkdir(dirname(cached), { recursive: true });
        const partial = `${cached}.${randomUUID()}.part`;
        await writeFile(partial, text);
        await rename(partial, cached);
      }
      return text;
    },
    list: async (prefix) => {
      const found: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(prefix), ...(token === undefined ? {} : { ContinuationToken: token }) }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || object.Key.endsWith('/')) continue;
          found.push({ key: object.Key.slice(root.length), size: object.Size ?? 0, modifiedMs: object.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    exists: async (key) => (await headSize(key)) !== undefined,
    move: async (from, to) => {
      // a copy that landed before a crash is the same bytes: only the source is left to delete
      if ((await headSize(to)) === undefined) {
        try {
          await client.send(new CopyObjectCommand({ Bucket: bucket, Key: keyOf(to), CopySource: encodeURI(`${bucket}/${keyOf(from)}`) }));
        } catch (error) {
          if (isMissing(error)) return false;
          throw error;
        }
      } else if ((await headSize(from)) === undefined) return false;
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(from) }));
      return true;
    },
    remove: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
    },
    localPath: async (key, expectedSize) => {
      const path = cachePathOf(key);
      const cached = await stat(path).catch(() => undefined);
      if (cached !== undefined && (expectedSize === undefined || cached.size === expectedSize)) return path;
      await mkdir(dirname(path), { recursive: true });
      const partial = `${path}.${randomUUID()}.part`;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        if (!(object.Body instanceof Readable)) throw new Error(`s3://${bucket}/${keyOf(key)}: the body is not a stream`);
        await pipeline(object.Body, createWriteStream(partial));
        const { size } = await stat(partial);
        if (expectedSize !== undefined && size !== expectedSize)
          throw new Error(`s3://${bucket}/${keyOf(key)} has ${size} bytes, its manifest entry says ${expectedSize}`);
        await rename(partial, path);
      } finally {
        await unlink(partial).catch(() => undefined);
      }
      return path;
    },
    pruneCache: async (keep) => {
      let removed = 0;
      const entries = await readdir(join(cacheRoot, 'events'), { withFileTypes: true, recursive: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        if (!keep.has(relative(cacheRoot, path).split(sep).join('/'))) {
          await removeIfPresent(path);
          removed += 1;
        }
      }
      return removed;
    },
    close: () => client.destroy(),
  };
};
