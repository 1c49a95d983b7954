/**
 * Opens the output a run writes to: `s3://bucket/prefix` is an object store (the AWS SDK is loaded
 * only then, so commands and runs that never touch one do not pay for it), anything else a folder.
 */
import { openDiskOutput } from './disk-output.js';
import type { ReportOutput } from './report-output.js';

export function isObjectStoreLocation(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

export interface OpenOutputOptions {
  /** Where the output says something worth a line (a store that ignores conditional writes). */
  log?: (line: string) => void;
}

/**
 * @example
 * const output = await openReportOutput(config.report.outDir);
 * try { … } finally { await output.close(); }
 */
export async function openReportOutput(location: string, options: OpenOutputOptions = {}): Promise<ReportOutput> {
  if (!isObjectStoreLocation(location)) return openDiskOutput(location);
  const { createS3Output } = await import('./s3-output.js');
  return createS3Output(location, options);
}
