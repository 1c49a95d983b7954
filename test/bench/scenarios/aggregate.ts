/**
 * Scenario `aggregate`: the report's pure core at scale, in-process, no HTTP. For N contacts in 200
 * cohorts it generates each contact's events (pages overlapping, so ~5% of ids repeat), folds them
 * (createContactAccumulator → foldEvent → finishContact), adds the stats to the accumulators of the
 * contact's cohorts and finally finishes every cohort — the same one-pass shape the month run uses.
 *
 * Figures: events folded per second per core (folding is single-threaded: events / CPU seconds of
 * the fold), members added per second, and peak memory. Each size runs in a fresh child process so
 * its peak RSS (getrusage maxrss) is its own. Stats are dropped after use, so memory should not grow
 * with N: that is the property being measured.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContactEvent } from '../../../src/intercom/types.js';
import {
  addMember,
  createCohortAccumulator,
  createContactAccumulator,
  createReportWindows,
  finishCohort,
  finishContact,
  foldEvent,
  type CohortAccumulator,
} from '../../../src/report/index.js';
import type { BenchContext, BenchRow } from '../bench-types.js';
import { createPrng } from '../../../src/sandbox/create-prng.js';

const COHORTS = 200;
const MONTH = '2026-10';
const TIME_ZONE = 'Europe/Berlin';
const CHILD_FLAG = '--aggregate-child';
const NAMES = Array.from({ length: 30 }, (_, i) => (i === 3 ? '=formula-like' : i === 7 ? 'café "quoted", ok' : `event-${i}`));
const CURRENCIES = ['eur', 'USD', 'gbp', 'jpy'];

interface ChildResult {
  contacts: number;
  cohorts: number;
  members: number;
  events_generated: number;
  events_counted: number;
  fold_cpu_s: number;
  fold_events_per_sec_per_core: number;
  summarize_members_per_sec: number;
  finish_cohorts_ms: number;
  stats_json_bytes_avg: number;
  peak_rss_mb: number;
  peak_heap_mb: number;
  wall_s: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function runChild(contacts: number): Promise<ChildResult> {
  const wallStart = performance.now();
  const rand = createPrng(contacts).next;
  const windows = createReportWindows([MONTH], TIME_ZONE);
  const fromSec = windows.windows[0]!.startSec - 10 * 86_400;
  const spanSec = windows.windows[1]!.endSec + 5 * 86_400 - fromSec;
  const accs: CohortAccumulator[] = Array.from({ length: COHORTS }, () => createCohortAccumulator(windows, MONTH));

  let eventsGenerated = 0;
  let eventsCounted = 0;
  let members = 0;
  let foldCpu = 0;
  let addCpu = 0;
  let statsBytes = 0;
  let statsSamples = 0;
  let peakHeap = 0;
  let eventSerial = 0;
  const BATCH = 1_000;

  for (let first = 0; first < contacts; first += BATCH) {
    // Generate a batch (not timed): events as the client would yield them, pages overlapping.
    const batch: Array<{ id: string; createdAtSec: number; signedUpAtSec: number | null; events: ContactEvent[]; cohorts: number[] }> = [];
    for (let c = first; c < Math.min(contacts, first + BATCH); c += 1) {
      const roll = rand();
      const count = roll < 0.4 ? 0 : roll < 0.85 ? 1 + Math.floor(rand() * 10) : roll < 0.99 ? 10 + Math.floor(rand() * 50) : 100 + Math.floor(rand() * 300);
      const events: ContactEvent[] = [];
      for (let i = 0; i < count; i += 1) {
        const metadata: Record<string, unknown> = rand() < 0.15 ? { price: { amount: Math.floor(rand() * 50_000), currency: CURRENCIES[Math.floor(rand() * 4)]! }, sku: 'x' } : {};
        events.push({ id: `ev${(eventSerial += 1)}`, name: NAMES[Math.floor(rand() * rand() * NAMES.length)]!, createdAtSec: fromSec + Math.floor(rand() * spanSec), metadata });
        // Overlapping pages: about one event in twenty comes again.
        if (rand() < 0.05) events.push(events[events.length - 1]!);
      }
      eventsGenerated += events.length;
      const cohortCount = 1 + Math.floor(rand() * 4);
      const cohorts = Array.from({ length: cohortCount }, () => Math.floor(rand() * COHORTS));
      const createdAtSec = fromSec - Math.floor(rand() * 400 * 86_400);
      batch.push({ id: `c${c}`, createdAtSec, signedUpAtSec: rand() < 0.1 ? null : createdAtSec + Math.floor(rand() * 90 * 86_400), events, cohorts: [...new Set(cohorts)] });
    }

    const foldStart = cpuSeconds();
    const stats = batch.map((b) => {
      const acc = createContactAccumulator();
      for (const e of b.events) if (foldEvent(acc, e, windows)) eventsCounted += 1;
      return finishContact(acc);
    });
    foldCpu += cpuSeconds() - foldStart;

    const addStart = cpuSeconds();
    batch.forEach((b, i) => {
      const member = { id: b.id, role: 'user' as const, createdAtSec: b.createdAtSec, signedUpAtSec: b.signedUpAtSec, unsubscribedFromEmails: false };
      for (const cohort of b.cohorts) {
        addMember(accs[cohort]!, member, stats[i]!);
        members += 1;
      }
    });
    addCpu += cpuSeconds() - addStart;

    if (first % (BATCH * 20) === 0) {
      statsBytes += Buffer.byteLength(JSON.stringify(stats[0]));
      statsSamples += 1;
    }
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }

  const finishStart = performance.now();
  for (let i = 0; i < COHORTS; i += 1) {
    finishCohort(accs[i]!, { type: 'tag', id: String(i), name: `cohort ${i}`, memberCountReported: null, personType: null });
  }
  const finishMs = performance.now() - finishStart;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

  return {
    contacts,
    cohorts: COHORTS,
    members,
    events_generated: eventsGenerated,
    events_counted: eventsCounted,
    fold_cpu_s: foldCpu,
    fold_events_per_sec_per_core: Math.round(eventsGenerated / foldCpu),
    summarize_members_per_sec: Math.round(members / addCpu),
    finish_cohorts_ms: finishMs,
    stats_json_bytes_avg: Math.round(statsBytes / Math.max(1, statsSamples)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    peak_heap_mb: Math.round(peakHeap / 1024 / 1024),
    wall_s: (performance.now() - wallStart) / 1000,
  };
}

function spawnChild(contacts: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, String(contacts)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`aggregate child for ${contacts} contacts exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

export default async function aggregate(ctx: BenchContext): Promise<BenchRow[]> {
  const sizes = ctx.quick ? [20_000] : [100_000, 1_000_000];
  const rows: BenchRow[] = [];
  for (const contacts of sizes) {
    ctx.log(`aggregate: ${contacts.toLocaleString('en-US')} contacts in ${COHORTS} cohorts (fresh process)…`);
    rows.push({ scenario: 'aggregate', ...(await spawnChild(contacts)) });
  }
  return rows;
}

if (process.argv[2] === CHILD_FLAG) {
  const contacts = Number(process.argv[3]);
  process.stdout.write(`${JSON.stringify(await runChild(contacts))}\n`);
}
