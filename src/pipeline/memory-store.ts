/**
 * RunStore in process memory, for the single-process `run`. With a journal path, every recorded step
 * is also appended to a JSON-lines file and replayed on open, so a rerun after a crash resumes instead
 * of starting over; the journal is removed when the run's reports are written.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEventsPageSizeMemory, type EventsPageSize } from '../intercom/events-page-size.js';
import type { Cohort, Member, MemberPage } from '../intercom/types.js';
import type { CohortProgress, ContactResult, MemberWithResult, RunProgress, RunStore } from './run-store.js';

type JournalRecord<S> =
  | { t: 'cohorts'; cohorts: Cohort[] }
  | { t: 'page'; key: string; from: string | null; page: MemberPage }
  | { t: 'result'; id: string; result: ContactResult<S> }
  | { t: 'events-page-size'; size: EventsPageSize }
  | { t: 'requests'; delta: RequestCounts };

/** Request counters of a run, summed over every process that worked on it (a resumed run included). */
export interface RequestCounts {
  apiCalls: number;
  responses429: number;
  retries: number;
}

export interface MemoryStore<S> extends RunStore<S> {
  /**
   * Adds requests made since the last call; journaled (once the journal holds some progress), so a
   * resumed run's counters cover its earlier part.
   */
  addRequests(delta: RequestCounts): void;
  /** Every request recorded so far, the replayed journal included. */
  requests(): RequestCounts;
  /** Closes the journal file (if any). */
  close(): void;
}

export function createMemoryStore<S>(options: { journalPath?: string } = {}): MemoryStore<S> {
  let cohorts: Cohort[] | null = null;
  const progressByCohort = new Map<string, CohortProgress>();
  const membersByCohort = new Map<string, Set<string>>();
  const contacts = new Map<string, Member>();
  const results = new Map<string, ContactResult<S>>();
  let missing = 0;
  let pageSizeSettled: EventsPageSize | null = null;
  const requests: RequestCounts = { apiCalls: 0, responses429: 0, retries: 0 };
  function applyRequests(delta: RequestCounts): void {
    requests.apiCalls += delta.apiCalls;
    requests.responses429 += delta.responses429;
    requests.retries += delta.retries;
  }

  function applyCohorts(list: Cohort[]): void {
    cohorts = list;
  }
  function applyPage(key: string, from: string | null, page: MemberPage): string[] {
    const progress = progressByCohort.get(key) ?? { cursor: null, pages: 0, done: false, totalCount: null };
    if (progress.done || progress.cursor !== from) return [];
    let members = membersByCohort.get(key);
    if (!members) membersByCohort.set(key, (members = new Set()));
    const fresh: string[] = [];
    for (const m of page.members) {
      members.add(m.id);
      if (!contacts.has(m.id)) {
        contacts.set(m.id, m);
        fresh.push(m.id);
      }
    }
    progressByCohort.set(key, {
      cursor: page.nextCursor,
      pages: progress.pages + 1,
      done: page.nextCursor === null,
      totalCount: page.totalCount ?? progress.totalCount,
    });
    return fresh;
  }
  function applyResult(id: string, result: ContactResult<S>): void {
    const prev = results.get(id);
    if (prev?.kind === 'missing') missing -= 1;
    results.set(id, result);
    if (result.kind === 'missing') missing += 1;
  }

  let fd: number | null = null;
  const journalPath = options.journalPath;
  if (journalPath !== undefined && existsSync(journalPath)) {
    const text = readFileSync(journalPath, 'utf8');
    // Only newline-terminated lines are records: a crash can leave a torn last line, which is cut off
    // here so that the next record starts on a line of its own (appended to the torn text, it would
    // make that line unreadable, and every record after it would be lost on the next replay).
    let goodChars = 0;
    let end = text.indexOf('\n');
    while (end !== -1) {
      const line = text.slice(goodChars, end);
      if (line !== '') {
        let rec: JournalRecord<S>;
        try {
          rec = JSON.parse(line) as JournalRecord<S>;
        } catch {
          break;
        }
        if (rec.t === 'cohorts') applyCohorts(rec.cohorts);
        else if (rec.t === 'page') applyPage(rec.key, rec.from, rec.page);
        else if (rec.t === 'events-page-size') pageSizeSettled = rec.size;
        else if (rec.t === 'requests') applyRequests(rec.delta);
        else applyResult(rec.id, rec.result);
      }
      goodChars = end + 1;
      end = text.indexOf('\n', goodChars);
    }
    if (goodChars < text.length) truncateSync(journalPath, Buffer.byteLength(text.slice(0, goodChars), 'utf8'));
  }
  function journal(rec: JournalRecord<S>): void {
    if (journalPath === undefined) return;
    // Opened on the first record, so a run that fails before recording anything leaves no file behind.
    if (fd === null) {
      mkdirSync(dirname(journalPath), { recursive: true });
      fd = openSync(journalPath, 'a');
    }
    writeSync(fd, `${JSON.stringify(rec)}\n`);
  }
  const pageSizeMemory = (initial: EventsPageSize | null) =>
    createEventsPageSizeMemory({ initial, onSettle: (size) => journal({ t: 'events-page-size', size }) });
  let eventsPageSize = pageSizeMemory(pageSizeSettled);

  return {
    async saveCohorts(list) {
      applyCohorts(list);
      journal({ t: 'cohorts', cohorts: list });
      if (fd !== null) fsyncSync(fd);
    },
    async loadCohorts() {
      return cohorts;
    },
    async cohortProgress(key) {
      return progressByCohort.get(key) ?? { cursor: null, pages: 0, done: false, totalCount: null };
    },
    async savePage(key, from, page) {
      const before = progressByCohort.get(key);
      const fresh = applyPage(key, from, page);
      if (progressByCohort.get(key) !== before) journal({ t: 'page', key, from, page });
      return fresh;
    },
    async contactsWithoutResult(ids) {
      return ids.filter((id) => contacts.has(id) && !results.has(id));
    },
    async *pendingContacts() {
      const pending = [...contacts.keys()].filter((id) => !results.has(id));
      for (let i = 0; i < pending.length; i += 500) yield pending.slice(i, i + 500);
    },
    async saveContactResult(id, result) {
      applyResult(id, result);
      journal({ t: 'result', id, result });
    },
    async *cohortMembers(key) {
      const ids = [...(membersByCohort.get(key) ?? [])];
      for (let i = 0; i < ids.length; i += 500) {
        const batch: Array<MemberWithResult<S>> = [];
        for (const id of ids.slice(i, i + 500)) {
          const member = contacts.get(id);
          if (member) batch.push({ member, result: results.get(id) ?? null });
        }
        yield batch;
      }
    },
    async progress(): Promise<RunProgress> {
      let cohortsDone = 0;
      for (const p of progressByCohort.values()) if (p.done) cohortsDone += 1;
      return {
        cohorts: cohorts?.length ?? 0,
        cohortsDone,
        contacts: contacts.size,
        contactsDone: results.size,
        contactsMissing: missing,
      };
    },
    get eventsPageSize() {
      return eventsPageSize;
    },
    addRequests(delta) {
      if (delta.apiCalls === 0 && delta.responses429 === 0 && delta.retries === 0) return;
      applyRequests(delta);
      // Never the first record: a run refused before it recorded anything (a 401) leaves no journal.
      if (fd !== null || existsSync(journalPath ?? '')) journal({ t: 'requests', delta });
    },
    requests() {
      return { ...requests };
    },
    async clear() {
      cohorts = null;
      eventsPageSize = pageSizeMemory(null);
      requests.apiCalls = 0;
      requests.responses429 = 0;
      requests.retries = 0;
      progressByCohort.clear();
      membersByCohort.clear();
      contacts.clear();
      results.clear();
      missing = 0;
      if (fd !== null) {
        closeSync(fd);
        fd = null;
      }
      if (journalPath !== undefined) {
        rmSync(journalPath, { force: true });
        // The journal's folder (DIR/.work) goes too once nothing else is in it.
        try {
          rmdirSync(dirname(journalPath));
        } catch {
          // not empty, or already gone
        }
      }
    },
    close() {
      if (fd !== null) {
        closeSync(fd);
        fd = null;
      }
    },
  };
}
