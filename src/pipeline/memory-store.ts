/**
 * RunStore in process memory, for the single-process `run`. With a journal path, every recorded step
 * is also appended to a JSON-lines file and replayed on open, so a rerun after a crash resumes instead
 * of starting over; the journal is removed when the run's reports are written.
 *
 * Longer than most files (~400 lines) on purpose: every change of state has its journal record and its
 * replay beside it in one closure, and splitting them apart is how a resume would silently drift.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, rmdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventsPageSize } from '../intercom/events-page-size.js';
import type { Cohort, MemberPage } from '../intercom/types.js';
import { checkResultPart, decodeListedContact, encodeMember, encodeResult, inCohort, joinRecord, splitRecord } from './contact-record.js';
import { addConversationEntry, checkConversationsPart, conversationEntries, decodeContactConversations } from './conversation-record.js';
import { RunNotCollectedError } from './errors.js';
import { JournalInvalidError, parseJournalLine, type JournalRecord, type RequestTuple } from './journal-records.js';
import { createRequestCounter, isZero } from './request-counter.js';
import {
  cohortKeyOf,
  type CohortProgress,
  type ConversationProgress,
  type ListedContact,
  type RequestCounts,
  type RunProgress,
  type RunStore,
  type SavedConversations,
} from './run-store.js';

/**
 * The request counters' growth is journaled with every page and result recorded (and by
 * `flushRequests`), so a resumed run's counters cover the earlier attempts up to their last record.
 */
export interface MemoryStore extends RunStore {
  /** Journals the counters' last growth as the end of this process's attempt, and closes the journal. */
  close(): void;
}

export interface MemoryStoreOptions {
  journalPath?: string;
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
 * Feeds each newline-terminated line of the journal to `apply` with its line number (1-based), 1 MiB
 * at a time (a million-contact journal is never one string). Returns the bytes of the complete lines:
 * what follows them is a last line torn by a crash in the middle of its write.
 */
function replayJournal(path: string, apply: (line: string, lineNumber: number) => void): number {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let good = 0;
    let lineNumber = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return good;
      let data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
        lineNumber += 1;
        if (end > start) apply(data.toString('utf8', start, end), lineNumber);
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

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  let cohorts: Cohort[] | null = null;
  const progressByCohort = new Map<string, CohortProgress>();
  /** Cohort key -> its index in the records' cohorts part, in the order the cohorts' first pages came. */
  const cohortIndex = new Map<string, string>();
  /** Contact id -> its record (./contact-record.ts), in the order the contacts were first recorded. */
  const contacts = new Map<string, string>();
  let listed = 0;
  let done = 0;
  let missing = 0;
  /** Contact id -> the conversations part of ./conversation-record.ts (only contacts that opened one). */
  const conversations = new Map<string, string>();
  const progressByMonth = new Map<string, ConversationProgress>();
  /** The events page size last journaled or replayed. */
  let pageSize: EventsPageSize | null = null;
  /** Requests recorded in the journal (replayed or written by this process). */
  const requests: RequestCounts = { apiCalls: 0, responses429: 0, retries: 0 };
  let requestsLowerBound = false;
  function applyRequests(delta: RequestCounts): void {
    requests.apiCalls += delta.apiCalls;
    requests.responses429 += delta.responses429;
    requests.retries += delta.retries;
  }
  const fromTuple = (q: RequestTuple): RequestCounts => ({ apiCalls: q[0], responses429: q[1], retries: q[2] });

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
  /** Whether every cohort has been paged to its end (who is a member is known). */
  function allCohortsPaged(): boolean {
    return cohorts !== null && cohorts.every((c) => progressByCohort.get(cohortKeyOf(c))?.done === true);
  }
  /**
   * `entries`: [contact id, entry key, facts, …] (./conversation-record.ts). Keeps those of listed
   * contacts, each id once. Returns what it did, or null for a page already recorded; `kept` lists the
   * entries recorded, for the journal.
   */
  function applyConversations(month: string, from: string | null, next: string | null, entries: readonly string[]): (SavedConversations & { recorded: string[] }) | null {
    const progress = progressByMonth.get(month) ?? { cursor: null, pages: 0, done: false };
    if (progress.done || progress.cursor !== from) return null;
    const recorded: string[] = [];
    let dropped = 0;
    for (let i = 0; i < entries.length; i += 3) {
      const id = entries[i]!;
      const raw = contacts.get(id);
      if (raw === undefined || splitRecord(raw).member === '') {
        dropped += 1;
        continue;
      }
      const part = addConversationEntry(conversations.get(id) ?? '', entries[i + 1]!, entries[i + 2]!);
      if (part === null) continue;
      conversations.set(id, flat(part));
      recorded.push(id, entries[i + 1]!, entries[i + 2]!);
    }
    progressByMonth.set(month, { cursor: next, pages: progress.pages + 1, done: next === null });
    return { kept: recorded.length / 3, dropped, recorded };
  }
  function applyResult(id: string, result: string): void {
    const raw = contacts.get(id);
    const r = raw === undefined ? { cohorts: '', member: '', result: '' } : splitRecord(raw);
    if (r.result === '') done += 1;
    if (r.result === 'm') missing -= 1;
    if (result === 'm') missing += 1;
    contacts.set(id, flat(joinRecord({ ...r, result })));
  }
  /**
   * Replays one well-shaped record, refusing one that does not fit what came before it: the run writes
   * the cohort list once and first, each page once from the cursor recorded before it, a result once
   * for a contact a recorded page listed, and the page size once. Anything else was not written by the
   * run as it stands (an edit, a forgery, two files joined), and replaying it would put figures no run
   * computed into a report, so every such record is refused rather than skipped: skipping would keep
   * the rest of a file shown to be untrustworthy. Returns the problem, or null.
   */
  function replayRecord(rec: JournalRecord): string | null {
    switch (rec.t) {
      case 'cohorts':
        if (cohorts !== null) return 'a second cohort list (the run records it once)';
        applyCohorts(rec.cohorts);
        return null;
      case 'page': {
        if (cohorts === null) return 'a page before the cohort list';
        if (!cohorts.some((c) => cohortKeyOf(c) === rec.key)) return `a page of ${JSON.stringify(rec.key.slice(0, 60))}, which is not one of the recorded cohorts`;
        const fresh = applyPage(rec.key, rec.from, rec.next, rec.total, rec.members);
        if (fresh === null) return `a page of ${rec.key} that does not follow its recorded cursor (repeated, reordered or after its last page)`;
        if (rec.q !== undefined) applyRequests(fromTuple(rec.q));
        return null;
      }
      case 'result': {
        const name = JSON.stringify(rec.id.slice(0, 60));
        const raw = contacts.get(rec.id);
        const before = raw === undefined ? null : splitRecord(raw);
        if (before === null || before.member === '') return `a result for contact ${name}, which no recorded page listed`;
        if (before.result !== '') return `a second result for contact ${name} (the run records each contact's once)`;
        const problem = checkResultPart(rec.r);
        if (problem !== null) return `the result for contact ${name}: ${problem}`;
        applyResult(rec.id, rec.r);
        if (rec.q !== undefined) applyRequests(fromTuple(rec.q));
        return null;
      }
      case 'conversations': {
        if (!allCohortsPaged()) return 'conversations before every cohort was paged to its end';
        for (let i = 0; i < rec.kept.length; i += 3) {
          const name = JSON.stringify(rec.kept[i]!.slice(0, 60));
          const raw = contacts.get(rec.kept[i]!);
          if (raw === undefined || splitRecord(raw).member === '') return `a conversation of contact ${name}, which no recorded page listed`;
          const problem = checkConversationsPart(`${rec.kept[i + 1]!},${rec.kept[i + 2]!}`);
          if (problem !== null) return `a conversation of contact ${name}: ${problem}`;
          if (rec.kept[i + 2]!.slice(0, 7) !== rec.month) return `a conversation of contact ${name} outside the page's month ${rec.month}`;
        }
        const saved = applyConversations(rec.month, rec.from, rec.next, rec.kept);
        if (saved === null) return `a page of ${rec.month}'s conversations that does not follow its recorded cursor (repeated, reordered or after its last page)`;
        if (saved.kept * 3 !== rec.kept.length) return `a page of ${rec.month}'s conversations that records a conversation twice`;
        if (rec.q !== undefined) applyRequests(fromTuple(rec.q));
        return null;
      }
      case 'requests':
        applyRequests(rec.delta);
        if (rec.size !== undefined) pageSize = rec.size;
        return null;
      case 'resume':
        return null;
    }
  }

  let fd: number | null = null;
  const journalPath = options.journalPath;
  if (journalPath !== undefined && existsSync(journalPath)) {
    /** Whether the attempt being replayed has not (yet) ended with every request counted. */
    let attemptOpen = false;
    const goodBytes = replayJournal(journalPath, (line, lineNumber) => {
      const parsed = parseJournalLine(line);
      if (!parsed.ok) throw new JournalInvalidError(journalPath, lineNumber, parsed.problem);
      const rec = parsed.record;
      const problem = replayRecord(rec);
      if (problem !== null) throw new JournalInvalidError(journalPath, lineNumber, problem);
      if (rec.t === 'resume' && attemptOpen) requestsLowerBound = true;
      attemptOpen = !(rec.t === 'requests' && rec.end === true);
    });
    if (attemptOpen) requestsLowerBound = true;
    // A crash can leave a torn last line (no newline yet), which is cut off here so that the next
    // record starts on a line of its own; a bad line with a newline after it is an error above.
    if (goodBytes < statSync(journalPath).size) truncateSync(journalPath, goodBytes);
  }
  function journal(rec: JournalRecord): void {
    if (journalPath === undefined) return;
    // Opened on the first record, so a run that fails before recording anything leaves no file behind.
    if (fd === null) {
      mkdirSync(dirname(journalPath), { recursive: true });
      fd = openSync(journalPath, 'a');
    }
    const line = Buffer.from(`${JSON.stringify(rec)}\n`);
    // A short write (a full disk) would glue the next record onto a torn line.
    if (writeSync(fd, line) !== line.length) throw new Error(`could not append to the run's journal ${journalPath} (disk full?)`);
  }
  // This attempt starts: a next replay that finds no end after it knows this process died counting.
  if (journalPath !== undefined && existsSync(journalPath)) journal({ t: 'resume' });

  const counter = createRequestCounter();
  const tupleOf = (d: RequestCounts | null): { q: RequestTuple } | Record<string, never> => (d === null ? {} : { q: [d.apiCalls, d.responses429, d.retries] });
  /** The counters' growth since the last record that took it, added to the run's. */
  function takeRequests(): RequestCounts | null {
    const delta = counter.take();
    if (delta !== null) applyRequests(delta);
    return delta;
  }
  /**
   * Journals the counters' growth (and a page size learnt since the last record) as a `requests`
   * record, never as the first record (a 401 leaves no journal).
   */
  function journalRequests(end: boolean): void {
    if (journalPath === undefined || (fd === null && !existsSync(journalPath))) return;
    const delta = takeRequests() ?? { apiCalls: 0, responses429: 0, retries: 0 };
    const learnt = counter.pageSize();
    const newSize = learnt !== null && learnt !== pageSize;
    if (newSize) pageSize = learnt;
    if (isZero(delta) && !newSize && !end) return;
    journal({ t: 'requests', delta, ...(newSize ? { size: learnt } : {}), ...(end ? { end: true as const } : {}) });
  }

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
      journal({ t: 'page', key, from, next: page.nextCursor, total: page.totalCount, members, ...tupleOf(takeRequests()) });
      return fresh;
    },
    async cohortsPaged() {
      return allCohortsPaged();
    },
    async conversationProgress(month) {
      return progressByMonth.get(month) ?? { cursor: null, pages: 0, done: false };
    },
    async saveConversationPage(month, from, page) {
      if (!allCohortsPaged()) throw new RunNotCollectedError(`saveConversationPage: ${month}'s conversations recorded before every cohort was paged to its end`);
      const { entries, unowned } = conversationEntries(month, page);
      const saved = applyConversations(month, from, page.nextCursor, entries);
      if (saved === null) return null;
      journal({ t: 'conversations', month, from, next: page.nextCursor, kept: saved.recorded, ...tupleOf(takeRequests()) });
      return { kept: saved.kept, dropped: saved.dropped + unowned };
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
      journal({ t: 'result', id, r, ...tupleOf(takeRequests()) });
    },
    async *listedContacts() {
      const keyOf = new Map([...cohortIndex].map(([key, index]) => [index, key]));
      let batch: ListedContact[] = [];
      for (const [id, raw] of contacts) {
        const listed = decodeListedContact(id, raw, keyOf, conversations.get(id));
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
      // What this process made since its last record counts too (the progress line, the manifest).
      const pending = counter.peek();
      const size = counter.pageSize() ?? pageSize;
      return {
        cohorts: cohorts?.length ?? 0,
        cohortsDone,
        contacts: listed,
        contactsDone: done,
        contactsMissing: missing,
        requests: {
          apiCalls: requests.apiCalls + pending.apiCalls,
          responses429: requests.responses429 + pending.responses429,
          retries: requests.retries + pending.retries,
          lowerBound: requestsLowerBound,
          eventsPerPage: typeof size === 'number' ? size : null,
        },
      };
    },
    countRequests(read) {
      counter.attach(read);
    },
    async flushRequests() {
      journalRequests(false);
    },
    async clear() {
      cohorts = null;
      pageSize = null;
      requests.apiCalls = 0;
      requests.responses429 = 0;
      requests.retries = 0;
      requestsLowerBound = false;
      counter.take();
      progressByCohort.clear();
      cohortIndex.clear();
      contacts.clear();
      conversations.clear();
      progressByMonth.clear();
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
      try {
        journalRequests(true);
      } catch {
        // The journal cannot be written (the failure being reported may be that very folder): the
        // next attempt then finds no end and counts as a lower bound, which is true.
      } finally {
        if (fd !== null) {
          closeSync(fd);
          fd = null;
        }
      }
    },
  };
}
