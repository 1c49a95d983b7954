/**
 * How every fault case ends when the faults must not show in the data: read the month folder, compare
 * it with the fault-free run's, write the case's line (faults-record.ts), and fail on any difference.
 */
import { expect } from 'vitest';
import { recordFaultCase, type FaultCaseRecord } from './faults-record.js';
import { diffRunOutputs, readRunOutput, type RunOutput } from './faults-reports.js';

/** Returns what the run wrote, for a case's own further checks. */
export async function expectReportsAsWithoutFaults(
  outDir: string,
  month: string,
  reference: RunOutput,
  record: Omit<FaultCaseRecord, 'reportsIdentical'>,
): Promise<RunOutput> {
  const output = await readRunOutput(outDir, [month]);
  const diffs = diffRunOutputs(output, reference, { months: [month] });
  recordFaultCase({ ...record, reportsIdentical: diffs.length === 0 });
  expect(diffs).toEqual([]);
  return output;
}
