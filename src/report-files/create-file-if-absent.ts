import { link, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { temporarySibling } from './rename-into-place.js';
import { isCode, syncPath } from './sync-path.js';

/**
 * Creates `path` holding `bytes` only if it does not exist; false when it did. Made whole under a
 * temporary name, then linked: a reader never sees it half-written, and link(2) fails when the target
 * exists, so of two writers exactly one creates it — on local disks and on NFS alike, where O_EXCL
 * has not always been atomic. `durable`: fsynced, so it survives a power cut (the workspace marker); a
 * lock, refreshed while held and worthless after a crash, skips the fsyncs and keeps the moment
 * between seeing a stale lock and taking it short.
 */
export async function createFileIfAbsent(path: string, bytes: string | Buffer, durable = true): Promise<boolean> {
  const tmp = temporarySibling(path, 'tmp');
  await writeFile(tmp, bytes, { flag: 'wx' });
  try {
    if (durable) await syncPath(tmp);
    await link(tmp, path);
    if (durable) await syncPath(dirname(path));
    return true;
  } catch (err) {
    if (isCode(err, 'EEXIST')) return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}
