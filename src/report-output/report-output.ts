/**
 * Where a run's reports go, behind one small interface: a folder on disk (disk-output.ts) or a prefix
 * in an S3-compatible object store (s3-output.ts). The writers and readers of src/report-files and
 * src/report-html take a ReportOutput, never a path, so both places get the same bytes and the same
 * guarantees:
 * - a month is complete only when its manifest.json exists and every file it lists has the listed
 *   size and SHA-256; a month is written files first, manifest last;
 * - replacing a month never leaves it half-new: it reads as complete-old, incomplete, or complete-new;
 * - a root file (trends.csv, index.html, …) is replaced whole, each on its own;
 * - one writer at a time holds the output's lock.
 *
 * Names are paths under the output with '/' separators (`2026-11/cohort_summary.csv`, `trends.csv`,
 * `charts/x.vl.json`); they never start with '/' and never hold '..'.
 *
 * Everything is written first into a local staging folder (`stageMonth`, `stageRoot`), by the same code
 * for both outputs, then published: on disk by renaming, in a store by uploading.
 */
import type { OutputLock } from '../report-files/output-lock.js';

export type OutputKind = 'disk' | 's3';

/** What a check of a file against the size and SHA-256 its manifest lists found. */
export type FileCheck = 'ok' | 'missing' | 'differs';

export interface ReportOutput {
  readonly kind: OutputKind;
  /** What people are shown: the folder as given (`reports`), or `s3://bucket/prefix`. */
  readonly location: string;
  /** `name` under the output, as people are shown it: `reports/2026-11`, `s3://bucket/prefix/2026-11`. */
  describe(name: string): string;
  /** The same, absolute (run_results.json): a resolved path, or the URL. */
  absolute(name?: string): string;

  /** The months (YYYY-MM, ascending) that have a folder or prefix; whether each is complete is the caller's to read. */
  listMonthNames(): Promise<string[]>;
  /** A file's bytes, or null when it does not exist. */
  read(name: string): Promise<Buffer | null>;
  /**
   * Whether a file still has the size and SHA-256 a manifest lists. Disk reads and hashes it; a store
   * compares the object's size and the SHA-256 recorded with it when it was uploaded (no download).
   */
  verify(name: string, expected: { bytes: number; sha256: string }): Promise<FileCheck>;

  /**
   * A local folder to write month `month` into (its files at the folder's top level, manifest.json
   * among them). `publish()` replaces the month with it: on disk by one rename; in a store by uploading
   * every file, manifest.json last (a month that had one loses it first, so it never reads half-new),
   * then removing the old month's objects the new manifest does not list. Either way the staging folder
   * is gone afterwards; `discard()` removes it unpublished.
   */
  stageMonth(month: string): Promise<Staging>;
  /**
   * A local folder for files at the output's root. `publish(entries)` puts each top-level entry of the
   * folder (a file, or a folder such as charts/ replaced whole) in place, in the order given, each
   * atomically on its own.
   */
  stageRoot(): Promise<Staging>;
  /** Creates `name` holding `bytes` only if it does not exist; false when it did (nothing written). */
  createIfAbsent(name: string, bytes: Buffer): Promise<boolean>;
  /** Removes files; absent ones are no error. */
  remove(names: readonly string[]): Promise<void>;

  /** Takes the output's one-writer lock, or throws OutputLockedError naming the holder. */
  lock(command: string): Promise<OutputLock>;
  /** Lets go of what the output holds open (a store's connections). */
  close(): Promise<void>;
}

export interface Staging {
  /** A local, empty folder to write into. */
  readonly dir: string;
  /** See ReportOutput.stageMonth / stageRoot. `entries` only for stageRoot. */
  publish(entries?: readonly string[]): Promise<void>;
  /** Removes the staging folder without publishing it. Idempotent; a no-op after publish. */
  discard(): Promise<void>;
}
