import { fileURLToPath } from 'node:url';
import { WaggleError } from '@waggle/errors';
import { createFileLakeStore } from './fileLakeStore.ts';
import type { LakeStore } from './lakeStore.ts';
import { createS3LakeStore } from './s3LakeStore.ts';

/** The lake of the local stack: `.waggle/lake` in the repository, beside the stack's own data. */
export const defaultLakeDir = fileURLToPath(new URL('../../../.waggle/lake', import.meta.url));

/** Where downloads of an S3 lake are cached for DuckDB by default: `.waggle/lake-cache`. */
export const defaultLakeCacheDir = fileURLToPath(new URL('../../../.waggle/lake-cache', import.meta.url));

/** A lake's place: a local folder, or a bucket and a key prefix. */
export type LakeLocation =
  { readonly kind: 'file'; readonly dir: string } | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** How to reach an S3 lake; `credentials` undefined means the AWS SDK's default chain. */
export type S3Settings = {
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
};

export type LakeStoreSettings = { readonly location: LakeLocation; readonly s3: S3Settings; readonly cacheDir: string };

const bad = (message: string): WaggleError => new WaggleError(message, { retriable: false });

/**
 * The place a `LAKE_URL` names: `file:///…` or a plain path, `s3://bucket[/prefix]` (S3 bucket naming; the prefix
 * of letters, digits and `._=-/`, never `+`, which S3 readers decode as a space). Undefined: the local stack's lake.
 */
export const parseLakeUrl = (lakeUrl: string | undefined): LakeLocation => {
  if (lakeUrl === undefined || lakeUrl === '') return { kind: 'file', dir: defaultLakeDir };
  if (lakeUrl.startsWith('file://')) return { kind: 'file', dir: fileURLToPath(lakeUrl) };
  const s3 = /^s3:\/\/([^/]*)\/?(.*)$/.exec(lakeUrl);
  if (s3 !== null) {
    const bucket = s3[1] ?? '';
    const prefix = (s3[2] ?? '').replace(/\/+$/, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw bad(`LAKE_URL=${lakeUrl}: "${bucket}" is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')`);
    if (prefix !== '' && !/^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/.test(prefix))
      throw bad(`LAKE_URL=${lakeUrl}: the prefix may hold letters, digits and ._=- between single slashes (no +, no spaces)`);
    return { kind: 's3', bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(lakeUrl)) throw bad(`LAKE_URL=${lakeUrl}: a lake is file://… or s3://bucket/prefix`);
  return { kind: 'file', dir: lakeUrl };
};

/** How a lake's place is shown (its store's `url`): the folder, or `s3://bucket/prefix`. */
export const lakeUrlOf = (location: LakeLocation): string =>
  location.kind === 'file' ? location.dir : `s3://${location.bucket}/${location.prefix}`;

/** The store of a lake's place. */
export const openLakeStore = (settings: LakeStoreSettings): LakeStore =>
  settings.location.kind === 'file'
    ? createFileLakeStore(settings.location.dir)
    : createS3LakeStore({
        bucket: settings.location.bucket,
        prefix: settings.location.prefix,
        region: settings.s3.region,
        forcePathStyle: settings.s3.forcePathStyle,
        ...(settings.s3.endpoint === undefined ? {} : { endpoint: settings.s3.endpoint }),
        ...(settings.s3.credentials === undefined ? {} : { credentials: settings.s3.credentials }),
        cacheDir: settings.cacheDir,
      });
