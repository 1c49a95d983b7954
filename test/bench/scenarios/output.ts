/**
 * output — the write phase of a run (`writeRunReports`: check the output, summarize the store, write
 * the month, rebuild trends / retention / datapackage / index, run_results.json) into a folder on disk
 * and into a prefix of an S3-compatible store, side by side in this one run.
 *
 * The input is what `run` holds when collection ends: a memory store filled from a generated sandbox
 * workspace's ground truth (the B2C shape of `scale`: 60% leads, eight segments, six tags), recorded
 * as collectRun records it (test/support/bench-scale-store.ts drives the store the same way: every
 * cohort's member pages of 150, each listed contact's listable events folded into its result, each
 * month's conversation pages over the padded window), so no API is needed and a million contacts fit.
 * Formats csv and parquet, conversations on.
 *
 * The store is test/support/s3-server.ts's (MinIO where a container runtime answers, else s3rver behind
 * its S3 layer), started in a CHILD process (this file, run with BENCH_OUTPUT_S3_SERVER=1), so its CPU
 * is not ours: `cpu_ms` is this process's, `store_cpu_ms` the child's. It is a local server on
 * loopback: the ratios say what the store's path costs against rename-into-place with no network
 * latency, not what a remote bucket would.
 *
 * At each size, one untimed write to each first (the first write of a process loads the chart engines
 * and the Parquet writer, which a run preloads while it collects; at 1M the first one also runs while
 * the heap gives back the dropped workspace). At 20,000 contacts: writes of a new month into a fresh
 * temporary folder and a fresh prefix, alternating (which goes first alternates too), REPS each (1
 * with --quick); then as many REPLACEs of the month over the last folder and prefix (the store's
 * staging + copy path; on disk a rename over the old month). At 1,000,000 contacts (skipped with
 * --quick; BENCH_OUTPUT_LARGE sets another size): each of the four once.
 *
 * Rows `output` (one per size, write kind and target): median / min / max ms of writeRunReports,
 * ratio_store_disk (store median ÷ disk median, on the store's row), the phases run_results.json
 * records (summarize, write_months, rebuild: medians), the store's HTTP attempts by kind (from
 * requests(), retries included; the same in every repetition, else `varied` says so), what the output
 * holds afterwards (objects/files and bytes, markers included), the RSS at the start of the write
 * (after a full GC), its peak during the write (VmHWM reset through /proc/self/clear_refs) and the
 * difference: 0 when the write fits in memory the process already held (after the 1M build, RSS is
 * far above what the write needs), and other_cpu_busy: the machine's CPU charged neither to this
 * process nor to the store's, over wall × cores (other jobs on a shared machine).
 *
 * One attempt more than usual (a `get`) is a retry, not a new request: a summary that keeps the event
 * loop busy longer than the server's keep-alive (5 s for s3rver) leaves the pooled connection closed
 * under the client, and the first request after it (the workspace marker's read) is reset and sent
 * again; blocking the loop 7 s between two reads does the same, 3 s does not.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createMemoryStore, type MemoryStore } from '../../../src/pipeline/memory-store.js';
import { planRun, type RunPlan } from '../../../src/pipeline/plan-run.js';
import { writeRunReports } from '../../../src/pipeline/write-run-reports.js';
import type { TableWriteOptions } from '../../../src/report-files/report-formats.js';
import { openDiskOutput } from '../../../src/report-output/disk-output.js';
import type { ReportOutput } from '../../../src/report-output/report-output.js';
import { createS3Output } from '../../../src/report-output/s3-output.js';
import { generateWorkspace } from '../../../src/sandbox/index.js';
import type { SandboxWorkspace } from '../../../src/sandbox/types.js';
import { printable } from '../../../src/shared/printable.js';
import { lastMonth, machineCpuSeconds, round } from '../../support/bench-distributed-run.js';
import { sampleProcUsage, spawnBenchProcess, stopBenchProcess, tail, waitForOutput, type BenchProcess } from '../../support/bench-month-spawn.js';
import { recordRun } from '../../support/bench-scale-store.js';
import { startTestS3, testS3Client } from '../../support/s3-server.js';
import type { BenchContext, BenchRow } from '../bench-types.js';

const SEED = 1;
const LEAD_SHARE = 0.6;
const SMALL_CONTACTS = 20_000;
const LARGE_CONTACTS = Number(process.env.BENCH_OUTPUT_LARGE ?? 1_000_000);
const REPS = 3;
const OUTPUT: TableWriteOptions = { formats: ['csv', 'parquet'], formulaGuard: true };
const WORKSPACE = { id: 'bench-output', name: 'Bench output' };
const SOURCE = { baseUrl: 'http://127.0.0.1:9/', apiVersion: '2.14' };

/** Set in the child that serves the store; it prints SERVER_MARKER and its connection as JSON, once ready. */
const CHILD_ENV = 'BENCH_OUTPUT_S3_SERVER';
const SERVER_MARKER = 'bench-output-s3 ';

interface StoreServer {
  endpoint: string;
  bucket: string;
  kind: string;
  conditionalWrites: boolean;
  env: Record<string, string>;
}

// --- the child: the test store, until told to stop or its parent is gone ---------------------------

async function serveStore(): Promise<void> {
  const s3 = await startTestS3();
  const parent = process.ppid;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await s3.stop().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // A parent killed outright cannot stop us: gone, it leaves us to a new parent.
  setInterval(() => {
    if (process.ppid !== parent) void stop();
  }, 1_000);
  const info: StoreServer = { endpoint: s3.endpoint, bucket: s3.bucket, kind: s3.kind, conditionalWrites: s3.conditionalWrites, env: s3.env };
  process.stdout.write(`${SERVER_MARKER}${JSON.stringify(info)}\n`);
}

if (process.env[CHILD_ENV] === '1') await serveStore();

async function startStoreChild(): Promise<{ server: StoreServer; child: BenchProcess }> {
  const child = spawnBenchProcess('s3 server', fileURLToPath(import.meta.url), [], { ...process.env, [CHILD_ENV]: '1' });
  try {
    await waitForOutput(child, SERVER_MARKER, 60_000);
  } catch (err) {
    await stopBenchProcess(child, 'SIGKILL', 5_000);
    throw new Error(`output: the test store did not start: ${printable(err instanceof Error ? err.message : String(err))}`);
  }
  const line = child.stdout().split('\n').find((l) => l.startsWith(SERVER_MARKER))!;
  return { server: JSON.parse(line.slice(SERVER_MARKER.length)) as StoreServer, child };
}

// --- the collected store ------------------------------------------------------------------------

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Peak RSS since the last reset: VmHWM, reset by writing 5 to clear_refs (Linux 4.0+). */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssBytes(): number | null {
  try {
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return hwm ? Number(hwm[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Records `ws` into a memory store as a run over it would, with conversations (test/support/bench-scale-store.ts). */
async function fillStore(ws: SandboxWorkspace, plan: RunPlan): Promise<{ store: MemoryStore; listed: number }> {
  const store = createMemoryStore();
  const listed = await recordRun(store, ws, plan, { conversations: true });
  return { store, listed };
}

interface Collected {
  store: MemoryStore;
  plan: RunPlan;
  contacts: number;
  listed: number;
  buildS: number;
  /** Peak RSS of the whole process while the workspace was generated and recorded. */
  buildPeakRssMb: number | null;
}

/** The workspace lives only in here: once the store is filled, it is garbage. */
async function collect(contacts: number, nowMs: number): Promise<Collected> {
  const nowSec = Math.floor(nowMs / 1000);
  const { month } = lastMonth(nowMs);
  const plan = planRun({ from: month, timeZone: 'UTC', nowSec, allowPartial: false });
  gc();
  resetPeakRss();
  const t0 = performance.now();
  const ws = generateWorkspace({ contacts, seed: SEED, nowSec, leadShare: LEAD_SHARE });
  const { store, listed } = await fillStore(ws, plan);
  const buildS = (performance.now() - t0) / 1000;
  const peak = peakRssBytes();
  return { store, plan, contacts, listed, buildS, buildPeakRssMb: peak === null ? null : round(peak / 1024 / 1024, 0) };
}

// --- one write, measured -----------------------------------------------------------------------

type TargetKind = 'disk' | 'store';

interface WriteMeasure {
  ms: number;
  phases: Record<string, number>;
  requests: Record<string, number> | null;
  cpuMs: number;
  storeCpuMs: number | null;
  otherCpuBusy: number;
  rssStartMb: number;
  peakRssMb: number;
  peakRssDeltaMb: number;
}

function childCpuMs(pid: number | undefined): number | null {
  const u = pid === undefined ? null : sampleProcUsage(pid);
  return u === null ? null : (u.cpuUserUs + u.cpuSystemUs) / 1000;
}

async function timedWrite(c: Collected, target: ReportOutput, storePid: number | undefined, requests: (() => Record<string, number>) | null): Promise<WriteMeasure> {
  // Garbage of earlier steps is collected now, not inside the measure.
  gc();
  const rssStart = process.memoryUsage.rss();
  const exactPeak = resetPeakRss();
  let sampledPeak = rssStart;
  const sampler = exactPeak ? null : setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())), 20);
  const machine0 = await machineCpuSeconds();
  const store0 = childCpuMs(storePid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let runResultsText: string;
  try {
    ({ runResultsText } = await writeRunReports({
      store: c.store,
      plan: c.plan,
      target,
      source: SOURCE,
      generatedAt: new Date(),
      workspace: WORKSPACE,
      output: OUTPUT,
      conversations: true,
    }));
  } finally {
    if (sampler !== null) clearInterval(sampler);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const store1 = childCpuMs(storePid);
  const machineS = (await machineCpuSeconds()) - machine0;
  const peak = exactPeak ? (peakRssBytes() ?? rssStart) : Math.max(sampledPeak, process.memoryUsage.rss());
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const storeCpuMs = store0 === null || store1 === null ? null : store1 - store0;
  const otherS = Math.max(0, machineS - cpuMs / 1000 - (storeCpuMs ?? 0) / 1000);
  const phases = (JSON.parse(runResultsText) as { phases_ms?: Record<string, number> }).phases_ms ?? {};
  return {
    ms,
    phases,
    requests: requests?.() ?? null,
    cpuMs,
    storeCpuMs,
    otherCpuBusy: otherS / ((ms / 1000) * availableParallelism()),
    rssStartMb: round(rssStart / 1024 / 1024, 1),
    peakRssMb: round(peak / 1024 / 1024, 1),
    peakRssDeltaMb: round((peak - rssStart) / 1024 / 1024, 1),
  };
}

/** Files (the markers and lock files included) and their bytes under a folder. */
async function folderContents(dir: string): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) continue;
    objects += 1;
    bytes += (await stat(join(e.parentPath, e.name))).size;
  }
  return { objects, bytes };
}

async function prefixContents(server: StoreServer, prefix: string): Promise<{ objects: number; bytes: number }> {
  const client = testS3Client(server);
  let objects = 0;
  let bytes = 0;
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      for (const item of page.Contents ?? []) {
        objects += 1;
        bytes += item.Size ?? 0;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } finally {
    client.destroy();
  }
  return { objects, bytes };
}

// --- the comparison ----------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const requestsText = (r: Record<string, number>): string =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

interface Arena {
  server: StoreServer;
  storePid: number | undefined;
  tempDirs: string[];
}

async function compare(ctx: BenchContext, c: Collected, arena: Arena, reps: number, note: string): Promise<BenchRow[]> {
  const { server } = arena;
  const tag = `${process.pid}-${c.contacts}-${randomUUID().slice(0, 8)}`;
  const results = new Map<string, { measures: WriteMeasure[]; contents: { objects: number; bytes: number } }>();
  const record = (write: string, target: TargetKind, m: WriteMeasure, contents: { objects: number; bytes: number }): void => {
    const key = `${write}:${target}`;
    const entry = results.get(key) ?? { measures: [], contents };
    entry.measures.push(m);
    entry.contents = contents;
    results.set(key, entry);
    ctx.log(
      `output: ${c.contacts} contacts, ${write} month, ${target}: ${m.ms.toFixed(0)} ms (phases ${JSON.stringify(m.phases)})` +
        `${m.requests ? `, requests ${requestsText(m.requests)}` : ''}, ${contents.objects} objects, ${contents.bytes} bytes`,
    );
  };
  const s3Url = (prefix: string): string => `s3://${server.bucket}/${prefix}`;
  const s3Options = { endpoint: server.endpoint, credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! }, log: () => {} };

  let lastDir = '';
  let lastPrefix = '';
  const writeDisk = async (write: 'new' | 'replace'): Promise<void> => {
    if (write === 'new') {
      lastDir = await mkdtemp(join(tmpdir(), 'bench-output-'));
      arena.tempDirs.push(lastDir);
    }
    const m = await timedWrite(c, openDiskOutput(lastDir), arena.storePid, null);
    record(write, 'disk', m, await folderContents(lastDir));
  };
  const writeStore = async (write: 'new' | 'replace', rep: number): Promise<void> => {
    if (write === 'new') lastPrefix = `bench-output-${tag}-${rep}`;
    // A fresh client for every write, as every run has: its counters are this write's alone.
    const output = await createS3Output(s3Url(lastPrefix), s3Options);
    try {
      const m = await timedWrite(c, output, arena.storePid, () => output.requests());
      record(write, 'store', m, await prefixContents(server, lastPrefix));
    } finally {
      await output.close();
    }
  };

  {
    // Untimed: the first write of a process loads the chart engines and the Parquet writer (a run
    // preloads them while it collects: prepareReportWriting) and compiles the summary's hot paths;
    // the first after a large build also runs while the heap shrinks from the dropped workspace.
    const dir = await mkdtemp(join(tmpdir(), 'bench-output-warm-'));
    arena.tempDirs.push(dir);
    await timedWrite(c, openDiskOutput(dir), arena.storePid, null);
    const warm = await createS3Output(s3Url(`bench-output-${tag}-warm`), s3Options);
    try {
      await timedWrite(c, warm, arena.storePid, null);
    } finally {
      await warm.close();
    }
    for (const d of arena.tempDirs.splice(0)) await rm(d, { recursive: true, force: true });
  }
  for (const write of ['new', 'replace'] as const) {
    for (let rep = 0; rep < reps; rep += 1) {
      // Which goes first alternates: neither always runs on the other's warm caches.
      if (rep % 2 === 0) {
        await writeDisk(write);
        await writeStore(write, rep);
      } else {
        await writeStore(write, rep);
        await writeDisk(write);
      }
    }
    // The new-month folders but the last (which the replaces write over) are done with.
    if (write === 'new') {
      for (const dir of arena.tempDirs.splice(0, arena.tempDirs.length - 1)) await rm(dir, { recursive: true, force: true });
    }
  }
  for (const dir of arena.tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });

  const rows: BenchRow[] = [];
  for (const write of ['new', 'replace'] as const) {
    const disk = results.get(`${write}:disk`)!;
    const store = results.get(`${write}:store`)!;
    const diskMedian = median(disk.measures.map((m) => m.ms));
    for (const [target, entry] of [['disk', disk], ['store', store]] as const) {
      const ms = entry.measures.map((m) => m.ms);
      const phase = (name: string): number | null => {
        const values = entry.measures.map((m) => m.phases[name]).filter((v): v is number => typeof v === 'number');
        return values.length === 0 ? null : median(values);
      };
      const first = entry.measures[0]!.requests;
      const varied = first !== null && entry.measures.some((m) => requestsText(m.requests!) !== requestsText(first));
      const storeCpu = entry.measures.map((m) => m.storeCpuMs).filter((v): v is number => v !== null);
      rows.push({
        scenario: 'output',
        contacts: c.contacts,
        listed_contacts: c.listed,
        write,
        target,
        reps: entry.measures.length,
        median_ms: Math.round(median(ms)),
        min_ms: Math.round(Math.min(...ms)),
        max_ms: Math.round(Math.max(...ms)),
        ratio_store_disk: target === 'store' ? round(median(ms) / diskMedian, 2) : null,
        summarize_ms: phase('summarize'),
        write_months_ms: phase('write_months'),
        rebuild_ms: phase('rebuild'),
        requests: first === null ? null : `${requestsText(first)}${varied ? ' (varied)' : ''}`,
        requests_total: first === null ? null : Object.values(first).reduce((a, b) => a + b, 0),
        objects: entry.contents.objects,
        bytes: entry.contents.bytes,
        cpu_ms: Math.round(median(entry.measures.map((m) => m.cpuMs))),
        store_cpu_ms: storeCpu.length === 0 ? null : Math.round(median(storeCpu)),
        rss_start_mb: median(entry.measures.map((m) => m.rssStartMb)),
        peak_rss_mb: Math.max(...entry.measures.map((m) => m.peakRssMb)),
        peak_rss_delta_mb: Math.max(...entry.measures.map((m) => m.peakRssDeltaMb)),
        other_cpu_busy: round(Math.max(...entry.measures.map((m) => m.otherCpuBusy)), 2),
        store_kind: server.kind,
        note,
      });
    }
  }
  return rows;
}

export default async function output(ctx: BenchContext): Promise<BenchRow[]> {
  const nowMs = Date.now();
  const reps = ctx.quick ? 1 : REPS;
  const { server, child } = await startStoreChild();
  const arena: Arena = { server, storePid: child.child.pid, tempDirs: [] };
  ctx.log(`output: store ${server.kind} (conditional writes ${server.conditionalWrites ? 'on' : 'off'}) in child ${child.child.pid}, ${availableParallelism()} cores`);
  const rows: BenchRow[] = [];
  try {
    const sizes = ctx.quick ? [SMALL_CONTACTS] : [SMALL_CONTACTS, LARGE_CONTACTS];
    for (const contacts of sizes) {
      let collected: Collected | null = await collect(contacts, nowMs);
      const note = `store built in ${collected.buildS.toFixed(1)} s, peak RSS ${collected.buildPeakRssMb} MB`;
      ctx.log(`output: ${contacts} contacts (${collected.listed} listed), month ${collected.plan.months[0]!.month}: ${note}`);
      rows.push(...(await compare(ctx, collected, arena, contacts === SMALL_CONTACTS ? reps : 1, note)));
      collected.store.close();
      collected = null;
    }
  } finally {
    for (const dir of arena.tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
    await stopBenchProcess(child, 'SIGTERM', 15_000);
    if (child.child.exitCode !== 0 && child.child.signalCode === null) ctx.log(`output: the store's process ended with ${child.child.exitCode}: ${printable(tail(child, 800))}`);
  }
  return rows;
}
