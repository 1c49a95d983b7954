import { open } from 'node:fs/promises';

/**
 * fsync a file or directory by path. A directory's fsync makes a rename inside it durable. Some
 * platforms cannot open a directory for syncing (Windows: EPERM/EISDIR); there the rename is as
 * durable as the platform makes it, and we carry on.
 */
export async function syncPath(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isCode(err, 'EISDIR') || isCode(err, 'EPERM') || isCode(err, 'EACCES')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!(isCode(err, 'EINVAL') || isCode(err, 'EPERM') || isCode(err, 'EBADF'))) throw err;
  } finally {
    await handle.close();
  }
}

export function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
