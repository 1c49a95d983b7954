/**
 * Crashes are real here: a child process writing a month report is killed with SIGKILL (no finally,
 * no cleanup) and the output folder is then inspected. The invariant: any DIR/YYYY-MM that has a
 * manifest.json holds exactly the files it lists, each with the listed size and SHA-256.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFiles } from '../support/e2e-cli.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { referenceCsvText, referenceMonth } from '../support/report-reference.js';
import { writeMonthsFromRaw } from '../support/report-write.js';

const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'report-crash-child.ts');
const MONTH = '2026-10';

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'report-crash-'));
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function runChild(mode: string, killAfterReady?: (kill: () => void) => void): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, outDir, MONTH, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) killAfterReady?.(() => proc.kill('SIGKILL'));
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(signal);
    });
  });
}

/** Month folders that look complete (have a manifest), each checked file by file against it. */
async function checkCompleteMonths(): Promise<string[]> {
  const complete: string[] = [];
  for (const entry of await readdir(outDir)) {
    if (!/^\d{4}-\d{2}$/.test(entry)) continue;
    const dir = join(outDir, entry);
    let manifest: { files: Array<{ name: string; bytes: number; sha256: string }> };
    try {
      manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    } catch {
      continue;
    }
    expect(await listFiles(dir)).toEqual([...manifest.files.map((f) => f.name), 'manifest.json'].sort());
    for (const f of manifest.files) {
      const bytes = await readFile(join(dir, f.name));
      expect([f.name, bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([f.name, f.bytes, f.sha256]);
    }
    complete.push(entry);
  }
  return complete;
}

describe('a crash while writing a month', () => {
  for (const mode of ['kill-in-summary', 'kill-in-events', 'kill-in-amounts']) {
    it(`leaves no month folder with a manifest when killed mid-file (${mode})`, async () => {
      expect(await runChild(mode)).toBe('SIGKILL');
      expect(await checkCompleteMonths()).toEqual([]);
      await expect(stat(join(outDir, MONTH))).rejects.toMatchObject({ code: 'ENOENT' });
      // The crash really happened mid-write: a hidden temporary folder holds partial files, no manifest.
      const [leftover, ...others] = await readdir(outDir);
      expect(others).toEqual([]);
      expect(leftover).toMatch(/^\.2026-10\.tmp-/);
      const inside = await readdir(join(outDir, leftover!));
      expect(inside).toContain('cohort_summary.csv');
      expect(inside).not.toContain('manifest.json');
    });
  }

  it('leaves the previous complete month untouched when a rewrite is killed between files', async () => {
    await writeMonthsFromRaw(outDir, edgeRawData(MONTH, 'UTC'), [MONTH], 'UTC');
    const before = await readFile(join(outDir, MONTH, 'manifest.json'), 'utf8');
    expect(await runChild('kill-in-events')).toBe('SIGKILL');
    expect(await checkCompleteMonths()).toEqual([MONTH]);
    expect(await readFile(join(outDir, MONTH, 'manifest.json'), 'utf8')).toBe(before);
  });

  it('never exposes a partial month when killed at arbitrary moments of repeated rewrites, and the next write cleans up', async () => {
    for (const delayMs of [0, 30, 120]) {
      const signal = await runChild('loop', (kill) => setTimeout(kill, delayMs));
      expect(signal).toBe('SIGKILL');
      await checkCompleteMonths();
    }
    const data = edgeRawData(MONTH, 'UTC');
    await writeMonthsFromRaw(outDir, data, [MONTH], 'UTC');
    expect(await checkCompleteMonths()).toEqual([MONTH]);
    expect(await readdir(outDir)).toEqual([MONTH]);
    expect(await readFile(join(outDir, MONTH, 'cohort_summary.csv'), 'utf8')).toBe(referenceCsvText(referenceMonth(data, { month: MONTH, timeZone: 'UTC' }).summary));
  });
});
