/**
 * Puts a complete file or directory in place of another. A file renamed over a file is atomic
 * everywhere Node runs. POSIX rename cannot replace a non-empty directory
 * (ENOTEMPTY/EEXIST; Windows says EPERM) and Node has no RENAME_EXCHANGE, so the old one is first
 * renamed aside, then the new one renamed into place, then the old one removed. Between the two
 * renames — microseconds — the target does not exist; it is never half-written. A crash in that gap
 * leaves both complete copies under hidden names (`.<name>.old-*`, `.<name>.tmp-*`), which the next
 * write of the same target removes.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isCode, syncPath } from './sync-path.js';

const RENAME_BLOCKED = ['ENOTEMPTY', 'EEXIST', 'EPERM', 'ENOTDIR', 'EISDIR'];

/** Hidden sibling names used while writing `target`: `.<name>.tmp-<uuid>` and `.<name>.old-<uuid>`. */
export function temporarySibling(target: string, kind: 'tmp' | 'old'): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${randomUUID()}`);
}

/** Removes what an earlier, interrupted write of `target` left beside it. */
export async function removeLeftovers(target: string): Promise<void> {
  const prefix = `.${basename(target)}.`;
  const parent = dirname(target);
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(`${prefix}tmp-`) || entry.startsWith(`${prefix}old-`)) {
      await rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Renames `source` to `target`, replacing whatever `target` was (file or directory), then fsyncs
 * the parent so the rename survives a power cut.
 */
export async function renameIntoPlace(source: string, target: string): Promise<void> {
  const parent = dirname(target);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await rename(source, target);
      break;
    } catch (err) {
      // A concurrent writer can slip a new target in between; give up after a few rounds.
      if (!RENAME_BLOCKED.some((code) => isCode(err, code)) || attempt >= 3) throw err;
    }
    const aside = temporarySibling(target, 'old');
    try {
      await rename(target, aside);
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err;
      continue;
    }
    try {
      await rename(source, target);
    } catch (err) {
      // Put the old copy back rather than leave no target at all.
      await rename(aside, target).catch(() => undefined);
      throw err;
    }
    await syncPath(parent);
    await rm(aside, { recursive: true, force: true });
    break;
  }
  await syncPath(parent);
}
