/**
 * Workspace text that breaks naive CSV writers, spreadsheets and path handling, and a hand-made
 * workspace whose cohort names and ids, event names, metadata keys and currencies are made of it.
 */
import type { SandboxWorkspace } from '../../src/sandbox/index.js';
import { buildWorkspace, type HandCohort, type HandContact, type HandEvent } from './badinput-workspace.js';
import { monthStartSec } from './e2e-reference.js';
import { monthBefore } from './report-reference.js';

/** Every one is a name some workspace could hold; none may change a file path or break a cell. */
export const NASTY_TEXT: readonly string[] = [
  'plain name',
  'comma, inside',
  'quote " inside',
  '"quoted whole"',
  'line\nbreak',
  'carriage\rreturn',
  'crlf\r\nboth',
  '\nleading line feed',
  '=HYPERLINK("http://evil.example","click")',
  '+SUM(A1:A9)',
  '-2+3',
  '@cmd',
  '\tleading tab',
  '\rleading carriage return',
  "'already quoted",
  '＝full-width equals (not guarded)',
  '\u200Fright-to-left mark',
  '\u202Eright-to-left override',
  'عربى mixed עברית',
  '🚀 emoji',
  'x'.repeat(10 * 1024),
  '../../etc',
  '..\\..\\x',
  '/etc/passwd',
  'C:\\Windows\\system32',
  'CON',
  'nul\u0000byte',
  ' spaces around ',
  '__proto__',
  'constructor',
  '%2e%2e%2f',
  '${HOME}',
];

/** Odd cohort ids as well: segment ids are opaque strings, and a path-like one must not become a path. */
const SEGMENT_IDS = ['../../etc/segment', 'seg:with:colons', 'CON', 'seg\u0000nul'];

export function nastyWorkspace(options: { clockMs: number; month: string; timeZone: string }): SandboxWorkspace {
  const start = monthStartSec(options.month, options.timeZone);
  const prevStart = monthStartSec(monthBefore(options.month), options.timeZone);
  const contacts: HandContact[] = [];
  const events = new Map<string, HandEvent[]>();
  const ids: string[] = [];
  for (let i = 0; i < 48; i += 1) {
    const id = `c${String(i).padStart(3, '0')}`;
    ids.push(id);
    contacts.push({ id, createdAtSec: prevStart - 86_400 * (i + 2), signedUpAtSec: i % 6 === 0 ? start + 3600 * i : null });
    const list: HandEvent[] = [];
    for (let k = 0; k < 1 + (i % 5); k += 1) {
      const name = NASTY_TEXT[(i * 7 + k * 3) % NASTY_TEXT.length]!;
      const key = NASTY_TEXT[(i + k * 5) % NASTY_TEXT.length]!;
      const currency = NASTY_TEXT[(i * 3 + k) % NASTY_TEXT.length]!;
      const metadata: Record<string, unknown> = {};
      Object.defineProperty(metadata, key, { value: { amount: 100 * (k + 1) - i, currency }, writable: true, enumerable: true, configurable: true });
      const inPrevious = k === 3;
      list.push({
        id: `e-${id}-${k}`,
        name,
        createdAtSec: inPrevious ? prevStart + 86_400 * (1 + (i % 25)) : start + 86_400 * ((i + k) % 27) + 3600 * k,
        metadata,
      });
    }
    events.set(id, list);
  }
  const cohorts: HandCohort[] = [
    ...NASTY_TEXT.map((name, i) => ({
      type: 'segment' as const,
      id: SEGMENT_IDS[i] ?? `s${String(i).padStart(2, '0')}`,
      name,
      memberIds: ids.filter((_, j) => (j + i) % 3 !== 0),
    })),
    ...NASTY_TEXT.map((name, i) => ({ type: 'tag' as const, id: String(100 + i), name, memberIds: ids.filter((_, j) => (j * i) % 4 === 1) })),
  ];
  return buildWorkspace({ nowSec: Math.floor(options.clockMs / 1000), contacts, cohorts, events });
}
