import { describeWorkspace } from '../intercom/identify-workspace.js';
import { SCHEDULER_ID } from '../../jobs/job-types.js';
import { upsertSchedule } from '../../jobs/upsert-schedule.js';
import { UsageError } from './cli-errors.js';
import { createCliLogger } from './create-cli-logger.js';
import { type ParsedFlags } from './flags.js';
import { openQueue } from './open-queue.js';
import { prepareDeploymentRun } from './prepare-deployment-run.js';
import { refuseOutFlag } from './refuse-out-flag.js';
import { loadConfigFromFlags } from './shared-flags.js';
import { resolveTerminal } from './terminal.js';

/**
 * `cohort-reports schedule`: upserts the monthly job scheduler and exits. Like `enqueue`, it first reads
 * the workspace with INTERCOM_TOKEN: the deployment must serve that workspace, and the configured
 * selection must keep a cohort (else every scheduled month would be a month of nothing), or nothing is
 * upserted (exit 2).
 */
export async function scheduleCommand(flags: ParsedFlags): Promise<number> {
  refuseOutFlag('schedule', flags);
  const { config, token } = loadConfigFromFlags(flags, true);
  if (token === null) throw new UsageError('INTERCOM_TOKEN is not set');
  const q = await openQueue(config);
  try {
    const { workspace } = await prepareDeploymentRun({
      config,
      token,
      redis: q.redis,
      selection: config.cohorts,
      log: createCliLogger(resolveTerminal(flags, process.env), { level: config.log.level, secrets: [token] }),
    });
    const { nextMs } = await upsertSchedule(q.queue, {
      cron: config.schedule.cron,
      cronTimeZone: config.schedule.timezone,
      reportTimeZone: config.report.timezone,
    });
    process.stdout.write(
      `job scheduler "${SCHEDULER_ID}" for workspace ${describeWorkspace(workspace)}: "${config.schedule.cron}" in ${config.schedule.timezone}, ` +
        `runs the previous month in ${config.report.timezone}; next ${nextMs === null ? 'unknown' : new Date(nextMs).toISOString()}\n`,
    );
    return 0;
  } finally {
    await q.close();
  }
}
