/**
 * The reports in a folder on disk: today's layout, bytes and guarantees. A month is staged in a hidden
 * sibling folder (`.YYYY-MM.tmp-<uuid>`) and renamed into place whole; a root file or folder is staged
 * under `.cohort-reports-root.tmp-<uuid>` and renamed over the old one, each on its own. Staging on the
 * same file system as the target is what makes the rename atomic.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isMonth } from '../report/months.js';
import { createFileIfAbsent } from '../report-files/create-file-if-absent.js';
import { acquireOutputLock } from '../report-files/output-lock.js';
import { removeLeftovers, renameIntoPlace, temporarySibling } from '../report-files/rename-into-place.js';
import { isCode, syncPath } from '../report-files/sync-path.js';
import type { FileCheck, ReportOutput } from './report-output.js';
import { stagingFolder } from './staging-folder.js';

/** Hidden, under the output: never mistaken for a month folder or a table. */
const ROOT_STAGING = '.cohort-reports-root';

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return null;
    throw err;
  }
}

/**
 * @example
 * const output = openDiskOutput('reports');
 * const staged = await output.stageMonth('2026-11'); // write into staged.dir, then:
 * await staged.publish();
 */
export function openDiskOutput(outDir: string): ReportOutput {
  const pathOf = (name: string): string => (name === '' ? outDir : join(outDir, ...name.split('/')));
  return {
    kind: 'disk',
    location: outDir,
    describe: pathOf,
    absolute: (name = '') => resolve(pathOf(name)),

    async listMonthNames() {
      let entries;
      try {
        entries = await readdir(outDir, { withFileTypes: true });
      } catch (err) {
        if (isCode(err, 'ENOENT')) return [];
        throw err;
      }
      return entries.filter((e) => e.isDirectory() && isMonth(e.name)).map((e) => e.name).sort();
    },

    read: (name) => readIfExists(pathOf(name)),

    async verify(name, expected): Promise<FileCheck> {
      const bytes = await readIfExists(pathOf(name));
      if (bytes === null) return 'missing';
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return bytes.length === expected.bytes && sha256 === expected.sha256 ? 'ok' : 'differs';
    },

    async stageMonth(month) {
      await mkdir(outDir, { recursive: true });
      const target = join(outDir, month);
      await removeLeftovers(target);
      const dir = temporarySibling(target, 'tmp');
      await mkdir(dir);
      return stagingFolder(dir, async () => {
        await syncPath(dir);
        await renameIntoPlace(dir, target);
      });
    },

    async stageRoot() {
      await mkdir(outDir, { recursive: true });
      const base = join(outDir, ROOT_STAGING);
      await removeLeftovers(base);
      const dir = temporarySibling(base, 'tmp');
      await mkdir(dir);
      return stagingFolder(dir, async (entries) => {
        for (const entry of entries) {
          const target = pathOf(entry);
          // What an interrupted write of this entry by an older version left beside it.
          await removeLeftovers(target);
          await syncPath(join(dir, entry));
          await renameIntoPlace(join(dir, entry), target);
        }
      });
    },

    async createIfAbsent(name, bytes) {
      await mkdir(outDir, { recursive: true });
      return createFileIfAbsent(pathOf(name), bytes);
    },

    async remove(names) {
      for (const name of names) await rm(pathOf(name), { force: true });
    },

    async lock(command) {
      await mkdir(outDir, { recursive: true });
      return acquireOutputLock(outDir, command);
    },

    async close() {},
  };
}
