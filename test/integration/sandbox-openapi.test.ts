/**
 * Checks real sandbox answers, field by field, against schemas transcribed by hand from Intercom's
 * OpenAPI description (API 2.14: components.schemas admin_with_app, app, segment_list, segment, tag_list, tag, contact_list,
 * cursor_pages, starting_after_paging, contact, data_event_list, data_event, data_event_summary,
 * data_event_summary_item, error). Transcription rules:
 * - types and nullability as in the description;
 * - the description lists almost nothing as `required`; the sandbox sends every property, so presence
 *   is required here (stricter than the description) except where noted;
 * - closed objects (z.strictObject) where the description's properties are all Intercom sends, so a
 *   field the sandbox invents fails the test; contacts stay open, as Intercom's own example contact
 *   carries keys the schema omits (utm_*, referrer, opted_*_subscription_types);
 * - one deliberate deviation: data_event.metadata is `additionalProperties: string` in the description,
 *   but Intercom documents number, rich-link {url, value} and money {amount, currency} values
 *   (see the POST /events description), so those shapes are allowed.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cohortKey, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const int = z.number().int();
const nullableString = z.string().nullable();
const nullableInt = int.nullable();

// #/components/schemas/error
const errorSchema = z.strictObject({
  type: z.literal('error.list'),
  request_id: z.uuidv4().nullable(),
  errors: z
    .array(
      z.strictObject({
        code: z.string().min(1),
        message: nullableString.optional(),
        field: nullableString.optional(),
      }),
    )
    .min(1),
});

// #/components/schemas/app
const appSchema = z.strictObject({
  type: z.literal('app'),
  id_code: z.string().min(1),
  name: z.string(),
  region: z.string(),
  timezone: z.string(),
  created_at: int,
  identity_verification: z.boolean(),
});
// #/components/schemas/admin_with_app (job_title, away_mode_*, team_ids are optional there and not sent)
const adminWithAppSchema = z.strictObject({
  type: z.literal('admin'),
  id: z.string(),
  name: z.string(),
  email: z.string(),
  email_verified: z.boolean().nullable(),
  has_inbox_seat: z.boolean(),
  avatar: z.strictObject({ type: z.literal('avatar'), image_url: z.string().nullable() }),
  app: appSchema.nullable(),
});

// #/components/schemas/segment
const segmentSchema = z.strictObject({
  type: z.literal('segment'),
  id: z.string(),
  name: z.string(),
  created_at: int,
  updated_at: int,
  person_type: z.enum(['contact', 'user']),
  count: nullableInt.optional(),
});
// #/components/schemas/segment_list
const segmentListSchema = z.strictObject({
  type: z.literal('segment.list'),
  segments: z.array(segmentSchema),
  pages: z.object({}).optional(),
});

// #/components/schemas/tag (applied_at/applied_by only appear on tagging operations, so optional)
const tagSchema = z.strictObject({
  type: z.literal('tag'),
  id: z.string(),
  name: z.string(),
  applied_at: nullableInt.optional(),
  applied_by: z.object({}).nullable().optional(),
});
// #/components/schemas/tag_list
const tagListSchema = z.strictObject({ type: z.literal('list'), data: z.array(tagSchema) });

// #/components/schemas/addressable_list and the lists built on it (contact_tags, contact_notes, contact_companies)
const addressable = z.object({ type: z.string(), id: z.string(), url: z.string() });
const addressableListOf = (item: z.ZodType) => z.object({ data: z.array(item), url: z.string(), total_count: int, has_more: z.boolean() });

// #/components/schemas/contact
const contactSchema = z.object({
  type: z.literal('contact'),
  id: z.string(),
  external_id: nullableString,
  workspace_id: z.string(),
  role: z.enum(['user', 'lead']),
  email: z.string(),
  email_domain: z.string(),
  phone: nullableString,
  name: nullableString,
  owner_id: nullableInt,
  has_hard_bounced: z.boolean(),
  marked_email_as_spam: z.boolean(),
  unsubscribed_from_emails: z.boolean(),
  created_at: int,
  updated_at: int,
  signed_up_at: nullableInt,
  last_seen_at: nullableInt,
  last_replied_at: nullableInt,
  last_contacted_at: nullableInt,
  last_email_opened_at: nullableInt,
  last_email_clicked_at: nullableInt,
  language_override: nullableString,
  browser: nullableString,
  browser_version: nullableString,
  browser_language: nullableString,
  os: nullableString,
  android_app_name: nullableString,
  android_app_version: nullableString,
  android_device: nullableString,
  android_os_version: nullableString,
  android_sdk_version: nullableString,
  android_last_seen_at: nullableInt,
  ios_app_name: nullableString,
  ios_app_version: nullableString,
  ios_device: nullableString,
  ios_os_version: nullableString,
  ios_sdk_version: nullableString,
  ios_last_seen_at: nullableInt,
  custom_attributes: z.record(z.string(), z.unknown()),
  avatar: z.object({ type: z.string(), image_url: nullableString }).nullable(),
  tags: addressableListOf(addressable).nullable(),
  notes: addressableListOf(addressable),
  companies: addressableListOf(z.object({ id: z.string(), type: z.literal('company'), url: z.string() })),
  location: z.object({ type: nullableString, country: nullableString, region: nullableString, city: nullableString }),
  social_profiles: z.object({ data: z.array(z.object({ type: z.string(), name: z.string(), url: z.string() })) }),
});

// #/components/schemas/starting_after_paging (INTERCOM.md: the search's `next` carries `page` too)
const startingAfterPaging = z
  .strictObject({ page: int.optional(), per_page: int.optional(), starting_after: nullableString })
  .nullable();
// #/components/schemas/cursor_pages
const cursorPagesSchema = z
  .strictObject({ type: z.literal('pages'), page: int, next: startingAfterPaging.optional(), per_page: int, total_pages: int })
  .nullable();
// #/components/schemas/contact_list
const contactListSchema = z.strictObject({
  type: z.literal('list'),
  data: z.array(contactSchema),
  total_count: int,
  pages: cursorPagesSchema,
});

const metadataValue = z.union([
  z.string(),
  z.number(),
  z.strictObject({ url: z.string(), value: z.string() }),
  // Money, well-formed or not: the sandbox serves malformed amounts on purpose (see the generator).
  z.strictObject({ amount: z.unknown(), currency: z.unknown().optional() }),
]);
// #/components/schemas/data_event (user_id is left out for leads, which have none)
const dataEventSchema = z.strictObject({
  type: z.literal('event'),
  event_name: z.string(),
  created_at: int,
  user_id: z.string().optional(),
  id: z.string(),
  intercom_user_id: z.string(),
  email: z.string(),
  metadata: z.record(z.string(), metadataValue),
});
// #/components/schemas/data_event_list
const dataEventListSchema = z.strictObject({
  type: z.literal('event.list'),
  events: z.array(dataEventSchema),
  pages: z.strictObject({ next: z.url().optional(), since: z.url() }),
});
// #/components/schemas/data_event_summary and data_event_summary_item
const dataEventSummarySchema = z.strictObject({
  type: z.literal('event.summary'),
  email: z.string(),
  intercom_user_id: z.string(),
  user_id: z.string().optional(),
  events: z.array(
    z.strictObject({ name: z.string(), first: z.iso.datetime({ offset: true }), last: z.iso.datetime({ offset: true }), count: int, description: z.string().optional() }),
  ),
});

const NOW_SEC = 1_767_225_600;
let sb: Sandbox;

async function call(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; contentType: string; json: unknown }> {
  const res = await request(path.startsWith('http') ? path : `${sb.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${sb.token}`, accept: 'application/json', 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    headersTimeout: 10_000,
  });
  return { status: res.statusCode, contentType: String(res.headers['content-type']), json: await res.body.json() };
}

function expectValid(schema: z.ZodType, value: unknown): void {
  const result = schema.safeParse(value);
  expect(result.success ? [] : result.error.issues.slice(0, 5)).toEqual([]);
}

const search = (value: string, pagination: Record<string, unknown> = {}) =>
  call('/contacts/search', { method: 'POST', body: { query: { field: 'tag_id', operator: '=', value }, pagination } });
const heaviest = (): string => [...sb.workspace.eventsByContact].sort((a, b) => b[1].length - a[1].length)[0]![0];

beforeAll(async () => {
  sb = await startSandbox({ contacts: 300, seed: 5, nowSec: NOW_SEC, clock: () => NOW_SEC * 1000 });
});
afterAll(async () => {
  await sb.close();
});

describe('answers match the OpenAPI description', () => {
  it('GET /segments matches segment_list, with and without include_count', async () => {
    for (const path of ['/segments', '/segments?include_count=true']) {
      const r = await call(path);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/json; charset=utf-8');
      expectValid(segmentListSchema, r.json);
    }
  });

  it('GET /me matches admin_with_app, naming the workspace by app.id_code', async () => {
    const r = await call('/me');
    expect(r.status).toBe(200);
    expectValid(adminWithAppSchema, r.json);
    expect((r.json as { app: { id_code: string } }).app.id_code).toBe('sandbox-5-300');
  });

  it('GET /tags matches tag_list', async () => {
    expectValid(tagListSchema, (await call('/tags')).json);
  });

  it('POST /contacts/search matches contact_list on the first, a middle, the last and an empty page', async () => {
    const tag = sb.workspace.tags.find((t) => sb.workspace.membersByCohort.get(cohortKey('tag', t.id))!.length > 30)!;
    let r = await search(tag.id, { per_page: 10 });
    expectValid(contactListSchema, r.json);
    let pages = 1;
    while ((r.json as { pages: { next?: { starting_after: string } } }).pages.next) {
      r = await search(tag.id, { per_page: 10, starting_after: (r.json as { pages: { next: { starting_after: string } } }).pages.next.starting_after });
      expectValid(contactListSchema, r.json);
      pages += 1;
    }
    expect(pages).toBeGreaterThan(2);
    const empty = sb.workspace.tags.find((t) => sb.workspace.membersByCohort.get(cohortKey('tag', t.id))!.length === 0)!;
    expectValid(contactListSchema, (await search(empty.id)).json);
  });

  it('serves every contact of the workspace in the contact schema (users and leads)', async () => {
    const all = sb.workspace.tags[0]!;
    // `=` plus `!=` on one tag lists every contact once.
    for (const operator of ['=', '!=']) {
      let startingAfter: string | null = null;
      do {
        const r = await call('/contacts/search', { method: 'POST', body: { query: { field: 'tag_id', operator, value: all.id }, pagination: { per_page: 150, starting_after: startingAfter } } });
        expectValid(contactListSchema, r.json);
        startingAfter = (r.json as { pages: { next?: { starting_after: string } } }).pages.next?.starting_after ?? null;
      } while (startingAfter);
    }
  });

  it('GET /events matches data_event_list on every page, and for a contact without events', async () => {
    let url: string | undefined = `/events?type=user&intercom_user_id=${heaviest()}`;
    let pages = 0;
    while (url) {
      const r = await call(url);
      expectValid(dataEventListSchema, r.json);
      url = (r.json as { pages: { next?: string } }).pages.next;
      pages += 1;
    }
    expect(pages).toBeGreaterThan(1);
    const idle = sb.workspace.contacts.find((c) => sb.workspace.eventsByContact.get(c.id)!.length === 0)!;
    expectValid(dataEventListSchema, (await call(`/events?type=user&intercom_user_id=${idle.id}`)).json);
  });

  it('serves every event of every contact in the data_event schema', async () => {
    const withEvents = sb.workspace.contacts.filter((c) => sb.workspace.eventsByContact.get(c.id)!.length > 0);
    for (const c of withEvents) {
      let url: string | undefined = `/events?type=user&intercom_user_id=${c.id}&per_page=150`;
      while (url) {
        const r = await call(url);
        expectValid(dataEventListSchema, r.json);
        url = (r.json as { pages: { next?: string } }).pages.next;
      }
    }
  });

  it('GET /events?summary=true matches data_event_summary', async () => {
    const lead = sb.workspace.contacts.find((c) => c.role === 'lead' && sb.workspace.eventsByContact.get(c.id)!.length > 0)!;
    for (const id of [heaviest(), lead.id]) expectValid(dataEventSummarySchema, (await call(`/events?type=user&intercom_user_id=${id}&summary=true`)).json);
  });

  it('every error answer matches error, with a UUID request_id', async () => {
    const errors = [
      await call('/segments', { headers: { authorization: 'Bearer wrong' } }),
      await call('/nowhere'),
      await call('/events?type=user&intercom_user_id=nobody'),
      await call('/events?type=user'),
      await call('/events?type=lead&intercom_user_id=x'),
      await search('99', { per_page: 500 }),
      await call('/contacts/search', { method: 'POST', body: { query: { field: 'name', operator: '~', value: 'a' } } }),
      await call('/segments', { headers: { accept: 'text/plain' } }),
    ];
    sb.setRateLimit({ allowancePerWindow: 1 });
    await call('/tags');
    errors.push(await call('/tags'));
    sb.setRateLimit(null);
    sb.setFaults({ seed: 1, serverErrorRate: 1 });
    for (let i = 0; i < 20; i += 1) {
      const res = await request(`${sb.url}/tags`, { headers: { authorization: `Bearer ${sb.token}` } });
      const text = await res.body.text();
      if (res.headers['content-type'] === 'application/json; charset=utf-8') errors.push({ status: res.statusCode, contentType: '', json: JSON.parse(text) });
    }
    sb.setFaults({});
    expect(new Set(errors.map((e) => e.status))).toEqual(new Set([400, 401, 404, 406, 429, 500, 503]));
    for (const e of errors) expectValid(errorSchema, e.json);
  });
});
