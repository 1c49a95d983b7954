import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { syncPath } from '../report-files/sync-path.js';

/** Writes a new file (refusing to overwrite one), fsyncs it, and returns its size and SHA-256 for a manifest. */
export async function writeTextFile(path: string, text: string): Promise<{ bytes: number; sha256: string }> {
  const bytes = Buffer.from(text, 'utf8');
  await writeFile(path, bytes, { flag: 'wx' });
  await syncPath(path);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
