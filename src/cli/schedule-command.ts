import { SCHEDULER_ID } from '../../jobs/job-types.js';
import { upsertSchedule } from '../../jobs/upsert-schedule.js';
import { strFlag, type ParsedFlags } from './flags.js';
import { openQueue } from './open-queue.js';
import { loadConfigFromFlags } from './shared-flags.js';

/** `cohort-reports schedule`: upserts the monthly job scheduler and exits. */
export async function scheduleCommand(flags: ParsedFlags): Promise<number> {
  const { config } = loadConfigFromFlags(flags, false);
  const q = await openQueue(config);
  try {
    const { nextMs } = await upsertSchedule(q.queue, {
      cron: config.schedule.cron,
      cronTimeZone: config.schedule.timezone,
      reportTimeZone: config.report.timezone,
      outDir: strFlag(flags, 'out'),
    });
    process.stdout.write(
      `job scheduler "${SCHEDULER_ID}": "${config.schedule.cron}" in ${config.schedule.timezone}, ` +
        `runs the previous month in ${config.report.timezone}; next ${nextMs === null ? 'unknown' : new Date(nextMs).toISOString()}\n`,
    );
    return 0;
  } finally {
    await q.close();
  }
}
