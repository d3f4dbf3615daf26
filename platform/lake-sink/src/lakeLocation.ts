import { fileURLToPath } from 'node:url';
import { WaggleError } from '@waggle/errors';

/** The lake of the local stack: `.waggle/lake` in the repository, beside the stack's own data. */
export const defaultLakeDir = fileURLToPath(new URL('../../../.waggle/lake', import.meta.url));

/** The folder of a `LAKE_URL` (`file:///…` or a plain path); `s3://` lakes are not supported yet. */
export const lakeDirOf = (lakeUrl: string | undefined): string => {
  if (lakeUrl === undefined || lakeUrl === '') return defaultLakeDir;
  if (lakeUrl.startsWith('file://')) return fileURLToPath(lakeUrl);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(lakeUrl))
    throw new WaggleError(`LAKE_URL=${lakeUrl}: only file:// lakes are supported so far (s3:// is not built yet)`, { retriable: false });
  return lakeUrl;
};
