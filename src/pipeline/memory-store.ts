/**
 * RunStore in process memory, for the single-process `run`. With a journal path, every recorded step
 * is also appended to a JSON-lines file and replayed on open, so a rerun after a crash resumes instead
 * of starting over; the journal is removed when the run's reports are written.
 *
 * Longer than most files (~300 lines) on purpose: every change of state has its journal record and its
 * replay beside it in one closure, and splitting them apart is how a resume would silently drift.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, rmdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEventsPageSizeMemory, type EventsPageSize } from '../intercom/events-page-size.js';
import type { Cohort, MemberPage } from '../intercom/types.js';
import { decodeListedContact, encodeMember, encodeResult, inCohort, joinRecord, splitRecord } from './contact-record.js';
import type { CohortProgress, ContactResult, ListedContact, RunProgress, RunStore } from './run-store.js';

/**
 * One journal line. Pages list their members as [id, member part, …] and results are result parts
 * (./contact-record.ts); `page` and `result` are the older spellings, still replayed.
 */
type JournalRecord<S> =
  | { t: 'cohorts'; cohorts: Cohort[] }
  | { t: 'page'; key: string; from: string | null; next: string | null; total: number | null; members: string[] }
  | { t: 'page'; key: string; from: string | null; page: MemberPage }
  | { t: 'result'; id: string; r: string }
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

function pageMembers(page: MemberPage): string[] {
  return page.members.flatMap((m) => [m.id, encodeMember(m)]);
}

/**
 * A string built by concatenation is a tree of its parts until something flattens it; a record kept
 * for the whole run is flattened once, so it costs its characters and one header.
 */
function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * Feeds each newline-terminated line of the journal to `apply`, 1 MiB at a time (a million-contact
 * journal is never one string), until `apply` refuses one. Returns the bytes of the lines accepted.
 */
function replayJournal(path: string, apply: (line: string) => boolean): number {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let good = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return good;
      let data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
        if (end > start && !apply(data.toString('utf8', start, end))) return good + start;
        start = end + 1;
      }
      good += start;
      carry = Buffer.from(data.subarray(start));
      data = carry;
    }
  } finally {
    closeSync(fd);
  }
}

export function createMemoryStore<S>(options: { journalPath?: string } = {}): MemoryStore<S> {
  let cohorts: Cohort[] | null = null;
  const progressByCohort = new Map<string, CohortProgress>();
  /** Cohort key -> its index in the records' cohorts part, in the order the cohorts' first pages came. */
  const cohortIndex = new Map<string, string>();
  /** Contact id -> its record (./contact-record.ts), in the order the contacts were first recorded. */
  const contacts = new Map<string, string>();
  let listed = 0;
  let done = 0;
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
  /** `members`: [id, member part, id, member part, …]. Returns the ids recorded for the first time, or null for a page already recorded. */
  function applyPage(key: string, from: string | null, next: string | null, total: number | null, members: readonly string[]): string[] | null {
    const progress = progressByCohort.get(key) ?? { cursor: null, pages: 0, done: false, totalCount: null };
    if (progress.done || progress.cursor !== from) return null;
    let index = cohortIndex.get(key);
    if (index === undefined) cohortIndex.set(key, (index = String(cohortIndex.size)));
    const fresh: string[] = [];
    for (let i = 0; i < members.length; i += 2) {
      const id = members[i]!;
      const raw = contacts.get(id);
      if (raw === undefined) {
        contacts.set(id, flat(`${index}|${members[i + 1]!}|`));
        fresh.push(id);
        listed += 1;
        continue;
      }
      const r = splitRecord(raw);
      if (inCohort(r.cohorts, index)) continue;
      if (r.cohorts === '') {
        contacts.set(id, flat(joinRecord({ cohorts: index, member: members[i + 1]!, result: r.result })));
        fresh.push(id);
        listed += 1;
      } else {
        contacts.set(id, flat(joinRecord({ ...r, cohorts: `${r.cohorts},${index}` })));
      }
    }
    progressByCohort.set(key, { cursor: next, pages: progress.pages + 1, done: next === null, totalCount: total ?? progress.totalCount });
    return fresh;
  }
  function applyResult(id: string, result: string): void {
    const raw = contacts.get(id);
    const r = raw === undefined ? { cohorts: '', member: '', result: '' } : splitRecord(raw);
    if (r.result === '') done += 1;
    if (r.result === 'm') missing -= 1;
    if (result === 'm') missing += 1;
    contacts.set(id, flat(joinRecord({ ...r, result })));
  }
  function applyRecord(rec: JournalRecord<S>): void {
    if (rec.t === 'cohorts') applyCohorts(rec.cohorts);
    else if (rec.t === 'page') {
      if ('members' in rec) applyPage(rec.key, rec.from, rec.next, rec.total, rec.members);
      else applyPage(rec.key, rec.from, rec.page.nextCursor, rec.page.totalCount, pageMembers(rec.page));
    } else if (rec.t === 'events-page-size') pageSizeSettled = rec.size;
    else if (rec.t === 'requests') applyRequests(rec.delta);
    else applyResult(rec.id, 'r' in rec ? rec.r : encodeResult(rec.result));
  }

  let fd: number | null = null;
  const journalPath = options.journalPath;
  if (journalPath !== undefined && existsSync(journalPath)) {
    const goodBytes = replayJournal(journalPath, (line) => {
      let rec: JournalRecord<S>;
      try {
        rec = JSON.parse(line) as JournalRecord<S>;
      } catch {
        return false;
      }
      applyRecord(rec);
      return true;
    });
    // A crash can leave a torn last line, which is cut off here so that the next record starts on a
    // line of its own (appended to the torn text, it would make that line unreadable, and every record
    // after it would be lost on the next replay).
    if (goodBytes < statSync(journalPath).size) truncateSync(journalPath, goodBytes);
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
      const members = pageMembers(page);
      const fresh = applyPage(key, from, page.nextCursor, page.totalCount, members);
      if (fresh === null) return [];
      journal({ t: 'page', key, from, next: page.nextCursor, total: page.totalCount, members });
      return fresh;
    },
    async contactsWithoutResult(ids) {
      return ids.filter((id) => {
        const raw = contacts.get(id);
        if (raw === undefined) return false;
        const r = splitRecord(raw);
        return r.member !== '' && r.result === '';
      });
    },
    async *pendingContacts() {
      const pending: string[] = [];
      for (const [id, raw] of contacts) {
        const r = splitRecord(raw);
        if (r.member !== '' && r.result === '') pending.push(id);
      }
      for (let i = 0; i < pending.length; i += 500) yield pending.slice(i, i + 500);
    },
    async saveContactResult(id, result) {
      const r = encodeResult(result);
      applyResult(id, r);
      journal({ t: 'result', id, r });
    },
    async *listedContacts() {
      const keyOf = new Map([...cohortIndex].map(([key, index]) => [index, key]));
      let batch: Array<ListedContact<S>> = [];
      for (const [id, raw] of contacts) {
        const listed = decodeListedContact<S>(id, raw, keyOf);
        if (listed === null) continue;
        batch.push(listed);
        if (batch.length === 500) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    async progress(): Promise<RunProgress> {
      let cohortsDone = 0;
      for (const p of progressByCohort.values()) if (p.done) cohortsDone += 1;
      return { cohorts: cohorts?.length ?? 0, cohortsDone, contacts: listed, contactsDone: done, contactsMissing: missing };
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
      cohortIndex.clear();
      contacts.clear();
      listed = 0;
      done = 0;
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
