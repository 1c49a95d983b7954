/**
 * A deployment (one Redis prefix) serves one workspace. Its queue's job ids and its store's keys are
 * named by month and cohort, not by workspace, so two workspaces on one prefix would share runs and
 * mix their figures without a word. The first worker, enqueue or schedule records the workspace its
 * token reads under `<prefix>:workspace`; every later one compares and a process of another
 * workspace refuses to start.
 *
 * The key has no TTL: it lives as long as the deployment's other state (the job scheduler and the
 * queue have none either). A deployment taken down for good is rebound by deleting the key.
 */
import type { Redis } from 'ioredis';
import { describeWorkspace } from '../src/intercom/identify-workspace.js';
import type { WorkspaceIdentity } from '../src/intercom/types.js';
import { quoted } from '../src/shared/printable.js';

/** What the key holds (JSON). */
export interface BoundWorkspace {
  id: string;
  name: string;
  /** When the binding was made (ISO 8601), for an operator wondering which came first. */
  boundAt: string;
}

export function deploymentWorkspaceKey(prefix: string): string {
  return `${prefix}:workspace`;
}

/** The prefix is bound to another workspace than the one this process's token reads (exit 2). */
export class OtherWorkspaceError extends Error {
  readonly code = 'DEPLOYMENT_OF_ANOTHER_WORKSPACE';
  readonly exitCode = 2;
  constructor(
    readonly prefix: string,
    readonly bound: BoundWorkspace,
    readonly own: WorkspaceIdentity,
  ) {
    super(
      `the deployment on Redis prefix ${quoted(prefix)} serves workspace ${describeWorkspace(bound)}, but INTERCOM_TOKEN reads workspace ` +
        `${describeWorkspace(own)}: use another COHORT_REPORTS_PREFIX (redis.prefix) for this workspace ` +
        `(or, if that deployment is gone for good, delete the Redis key ${deploymentWorkspaceKey(prefix)})`,
    );
    this.name = 'OtherWorkspaceError';
  }
}

/** The binding key holds something this tool did not write (exit 2). */
export class UnreadableWorkspaceBindingError extends Error {
  readonly code = 'DEPLOYMENT_BINDING_UNREADABLE';
  readonly exitCode = 2;
  constructor(readonly key: string) {
    super(`the Redis key ${key} does not hold a workspace binding cohort-reports wrote: delete it, or use another COHORT_REPORTS_PREFIX (redis.prefix)`);
    this.name = 'UnreadableWorkspaceBindingError';
  }
}

/** The key vanished twice while being bound (deleted by hand meanwhile): nothing was decided (exit 1). */
export class WorkspaceBindingRaceError extends Error {
  readonly code = 'DEPLOYMENT_BINDING_RACE';
  constructor(readonly key: string) {
    super(`the Redis key ${key} was deleted while this process was binding the deployment to its workspace: run the command again`);
    this.name = 'WorkspaceBindingRaceError';
  }
}

function parseBinding(key: string, raw: string): BoundWorkspace {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UnreadableWorkspaceBindingError(key);
  }
  const v = value as Partial<Record<keyof BoundWorkspace, unknown>> | null;
  if (typeof v !== 'object' || v === null || typeof v.id !== 'string' || v.id === '' || typeof v.name !== 'string' || typeof v.boundAt !== 'string') {
    throw new UnreadableWorkspaceBindingError(key);
  }
  return { id: v.id, name: v.name, boundAt: v.boundAt };
}

/** The workspace the prefix is bound to, or null before the first worker, enqueue or schedule. */
export async function readDeploymentWorkspace(redis: Redis, prefix: string): Promise<BoundWorkspace | null> {
  const key = deploymentWorkspaceKey(prefix);
  const raw = await redis.get(key);
  return raw === null ? null : parseBinding(key, raw);
}

/**
 * Binds the prefix to `workspace` if it is not bound yet (SET NX: of two first processes at once,
 * exactly one binds), else checks that it is bound to the same one. Throws OtherWorkspaceError when
 * it is not. The name recorded is the first one seen: a renamed workspace keeps its id.
 */
export async function bindDeploymentWorkspace(
  redis: Redis,
  prefix: string,
  workspace: WorkspaceIdentity,
  nowMs: number = Date.now(),
): Promise<{ bound: BoundWorkspace; created: boolean }> {
  const key = deploymentWorkspaceKey(prefix);
  const mine: BoundWorkspace = { id: workspace.id, name: workspace.name, boundAt: new Date(nowMs).toISOString() };
  // Twice at most: the key deleted by hand between the SET NX and the GET is taken on the second pass.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if ((await redis.set(key, JSON.stringify(mine), 'NX')) === 'OK') return { bound: mine, created: true };
    const raw = await redis.get(key);
    if (raw === null) continue;
    const bound = parseBinding(key, raw);
    if (bound.id !== workspace.id) throw new OtherWorkspaceError(prefix, bound, workspace);
    return { bound, created: false };
  }
  throw new WorkspaceBindingRaceError(key);
}

/**
 * A job of a run queued for another workspace than the one this worker reads (the binding was deleted
 * and retaken in between): the job is failed, never run against the wrong workspace's data.
 */
export class JobOfAnotherWorkspaceError extends Error {
  readonly code = 'JOB_OF_ANOTHER_WORKSPACE';
  constructor(runId: string, queuedFor: string, own: WorkspaceIdentity) {
    super(
      `run ${quoted(runId)} was queued for workspace id ${quoted(queuedFor)}, but this worker reads workspace ${describeWorkspace(own)}: ` +
        `failed rather than mixing two workspaces; queue it again from a deployment of its own workspace (its own COHORT_REPORTS_PREFIX)`,
    );
    this.name = 'JobOfAnotherWorkspaceError';
  }
}

/** The error for a job whose run names another workspace than `own`; null when it is ours (or names none). */
export function foreignWorkspaceError(data: unknown, own: WorkspaceIdentity): JobOfAnotherWorkspaceError | null {
  const run = (data as { run?: { runId?: unknown; workspaceId?: unknown } } | null)?.run;
  const queuedFor = run?.workspaceId;
  if (queuedFor === undefined || queuedFor === own.id) return null;
  return new JobOfAnotherWorkspaceError(String(run?.runId), String(queuedFor), own);
}

/** `status`'s line for the binding: which workspace the deployment serves, since when. */
export function formatBinding(bound: BoundWorkspace | null): string {
  return bound
    ? `workspace ${describeWorkspace(bound)}, served by this deployment since ${bound.boundAt}`
    : 'workspace: none yet (the first worker, enqueue or schedule binds this deployment to its workspace)';
}
