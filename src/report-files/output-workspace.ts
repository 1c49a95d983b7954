/**
 * An output folder belongs to one workspace. The first month written records the workspace in a small
 * marker at the folder's root (WORKSPACE_MARKER_FILE), and every manifest names it in `source`; a run
 * of another workspace into the same folder is refused before it makes any call but GET /me, so
 * trends.csv never compares one workspace's month with another's.
 *
 * Months written before markers existed carry no workspace in their manifest: they are taken as the
 * marker's workspace (or, with no marker, as the workspace of the run that writes the marker).
 */
import { describeWorkspace } from '../intercom/identify-workspace.js';
import type { ReportOutput } from '../report-output/report-output.js';
import type { MonthReport } from './read-month-reports.js';

/** Hidden, so it never shows among the tables; named for the tool so nobody mistakes whose it is. */
export const WORKSPACE_MARKER_FILE = '.cohort-reports-workspace.json';
export const WORKSPACE_MARKER_FORMAT = 'cohort-reports/workspace@1';

export interface OutputWorkspace {
  /** GET /me's `app.id_code`. */
  id: string;
  name: string;
}

interface WorkspaceMarker {
  format: typeof WORKSPACE_MARKER_FORMAT;
  workspace: OutputWorkspace;
  created_at: string;
}

/** The output holds another workspace's reports (exit 2: the fix is another --out). */
export class OutputWorkspaceMismatchError extends Error {
  readonly code = 'OUTPUT_OF_ANOTHER_WORKSPACE';
  readonly exitCode = 2;
  readonly outDir: string;
  constructor(outDir: string, holder: OutputWorkspace, current: OutputWorkspace, where: string) {
    super(
      `${outDir} holds reports of workspace ${describeWorkspace(holder)} (${where}), but this run reads workspace ${describeWorkspace(current)}: ` +
        `write this workspace's reports to another folder with --out (or COHORT_REPORTS_OUT)`,
    );
    this.name = 'OutputWorkspaceMismatchError';
    this.outDir = outDir;
  }
}

/** The marker exists but cannot be read as one (exit 2: it was edited by hand or is not ours). */
export class WorkspaceMarkerError extends Error {
  readonly code = 'OUTPUT_WORKSPACE_MARKER_INVALID';
  readonly exitCode = 2;
  constructor(path: string, problem: string) {
    super(`${path} ${problem}: restore it, or delete it if every month folder beside it is of the workspace you run (the next run writes it again)`);
    this.name = 'WorkspaceMarkerError';
  }
}

/** The workspace the marker names, or null when there is none. */
export async function readWorkspaceMarker(output: ReportOutput): Promise<OutputWorkspace | null> {
  const path = output.describe(WORKSPACE_MARKER_FILE);
  const bytes = await output.read(WORKSPACE_MARKER_FILE);
  if (bytes === null) return null;
  let marker: Partial<WorkspaceMarker>;
  try {
    marker = JSON.parse(bytes.toString('utf8')) as Partial<WorkspaceMarker>;
  } catch {
    throw new WorkspaceMarkerError(path, 'is not valid JSON');
  }
  const w = marker?.workspace;
  if (marker?.format !== WORKSPACE_MARKER_FORMAT || typeof w?.id !== 'string' || w.id === '' || typeof w.name !== 'string') {
    throw new WorkspaceMarkerError(path, `is not a ${WORKSPACE_MARKER_FORMAT} marker`);
  }
  return { id: w.id, name: w.name };
}

/** The workspace a month's manifest names, or null for a month written before manifests named it. */
export function workspaceOfMonth(report: Pick<MonthReport, 'manifest'>): OutputWorkspace | null {
  const source = report.manifest.source as { workspace_id?: unknown; workspace_name?: unknown } | undefined;
  if (typeof source?.workspace_id !== 'string') return null;
  return { id: source.workspace_id, name: typeof source.workspace_name === 'string' ? source.workspace_name : source.workspace_id };
}

/**
 * Refuses when the folder belongs to another workspace: by its marker, or (a marker deleted by hand)
 * by any month whose manifest names another workspace.
 */
export async function checkOutputWorkspace(output: ReportOutput, current: OutputWorkspace, months: readonly MonthReport[]): Promise<void> {
  const marker = await readWorkspaceMarker(output);
  if (marker !== null) {
    if (marker.id !== current.id) throw new OutputWorkspaceMismatchError(output.location, marker, current, `recorded in ${WORKSPACE_MARKER_FILE}`);
  }
  for (const report of months) {
    const holder = workspaceOfMonth(report);
    if (holder !== null && holder.id !== current.id) {
      throw new OutputWorkspaceMismatchError(output.location, holder, current, `recorded in ${report.month}/manifest.json`);
    }
  }
}

/**
 * Writes the marker when the output has none, created only if absent (a file linked into place, an
 * object put with If-None-Match), so two first runs of different workspaces never both claim it: the
 * second is refused as any other workspace would be.
 */
export async function claimOutputWorkspace(output: ReportOutput, workspace: OutputWorkspace, now: Date): Promise<void> {
  if ((await readWorkspaceMarker(output)) !== null) return;
  const marker: WorkspaceMarker = { format: WORKSPACE_MARKER_FORMAT, workspace, created_at: now.toISOString() };
  if (await output.createIfAbsent(WORKSPACE_MARKER_FILE, Buffer.from(`${JSON.stringify(marker, null, 2)}\n`, 'utf8'))) return;
  const holder = await readWorkspaceMarker(output);
  if (holder !== null && holder.id !== workspace.id) {
    throw new OutputWorkspaceMismatchError(output.location, holder, workspace, `recorded in ${WORKSPACE_MARKER_FILE}`);
  }
}
