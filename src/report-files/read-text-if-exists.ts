import { readFile } from 'node:fs/promises';
import { isCode } from './sync-path.js';

/** A file's text, or null when it does not exist (any other failure is thrown). */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return null;
    throw err;
  }
}
