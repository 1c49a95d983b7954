/**
 * What `enqueue` and `schedule` check before they queue anything for the workers: which workspace
 * INTERCOM_TOKEN reads (GET /me), that the deployment's prefix serves that workspace (binding it when
 * it is the first process on the prefix), and that the cohort selection keeps at least one cohort.
 * Every call is paced by the deployment's shared Redis bucket, like the workers' own.
 */
import type { Redis } from 'ioredis';
import { bindDeploymentWorkspace } from '../../jobs/bind-deployment-workspace.js';
import type { Config } from '../config.js';
import { createApiClient } from '../intercom/create-api-client.js';
import type { Cohort, WorkspaceIdentity } from '../intercom/types.js';
import type { Logger } from '../logger.js';
import { discoverCohorts, requireCohorts, type CohortFilter } from '../pipeline/discover-cohorts.js';
import { createRedisLimiter } from '../rate-limit/redis-limiter.js';

export interface PreparedDeploymentRun {
  workspace: WorkspaceIdentity;
  /** The cohorts the selection keeps today (never empty). */
  cohorts: Cohort[];
}

export async function prepareDeploymentRun(input: {
  config: Readonly<Config>;
  token: string;
  /** The command's Redis connection (not closed here). */
  redis: Redis;
  /** The selection the run will use. */
  selection: CohortFilter;
  log: Logger;
}): Promise<PreparedDeploymentRun> {
  const { config } = input;
  const limiter = createRedisLimiter({ redis: input.redis, keyPrefix: config.redis.prefix, settings: config.rateLimit });
  const api = createApiClient({ config, baseUrl: config.intercom.baseUrl, token: input.token, limiter, log: input.log });
  try {
    const workspace = await api.identifyWorkspace();
    // Before the cohorts: a command of another workspace makes one call and touches nothing.
    await bindDeploymentWorkspace(input.redis, config.redis.prefix, workspace);
    const cohorts = await discoverCohorts(api, input.selection);
    // The same refusal (NoCohortSelectedError, exit 2) and wording as `run`.
    requireCohorts(cohorts, input.selection);
    return { workspace, cohorts };
  } finally {
    await api.close();
    await limiter.close();
  }
}
