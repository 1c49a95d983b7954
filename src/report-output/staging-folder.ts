import { rm } from 'node:fs/promises';
import type { Staging } from './report-output.js';

/**
 * A staging folder that is published once or discarded, and removed either way (report-output.ts).
 * `publish` is what the output does with it: a rename on disk, uploads to a store.
 */
export function stagingFolder(dir: string, publish: (entries: readonly string[]) => Promise<void>): Staging {
  let settled = false;
  return {
    dir,
    async publish(entries = []) {
      if (settled) throw new Error(`${dir} was already published or discarded`);
      settled = true;
      try {
        await publish(entries);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async discard() {
      if (settled) return;
      settled = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
