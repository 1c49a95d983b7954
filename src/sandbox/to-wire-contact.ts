/**
 * A contact as POST /contacts/search returns it: the stored fields plus the ones Intercom always sends
 * and the sandbox has no data for (devices, location, notes, companies, ...), in Intercom's key order.
 * Kept out of the stored workspace so 100k contacts stay small in memory.
 */
import type { WireContact } from '../intercom/types.js';

function addressableList(url: string, data: Array<{ type: string; id: string; url: string }>, totalCount: number) {
  return { type: 'list', data, url, total_count: totalCount, has_more: totalCount > data.length };
}

export function toWireContact(contact: WireContact, tagIds: readonly string[]): Record<string, unknown> {
  const base = `/contacts/${contact.id}`;
  const shownTags = tagIds.slice(0, 10).map((id) => ({ type: 'tag', id, url: `/tags/${id}` }));
  const email = contact.email ?? '';
  const wire: Record<string, unknown> = {
    type: 'contact',
    id: contact.id,
    workspace_id: contact.workspace_id,
    external_id: contact.external_id,
    role: contact.role,
    email,
    email_domain: email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '',
    phone: contact.phone ?? null,
    name: contact.name,
    avatar: null,
    owner_id: contact.owner_id ?? null,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: contact.has_hard_bounced ?? false,
    marked_email_as_spam: contact.marked_email_as_spam ?? false,
    unsubscribed_from_emails: contact.unsubscribed_from_emails ?? false,
    created_at: contact.created_at,
    updated_at: contact.updated_at,
    signed_up_at: contact.signed_up_at,
    last_seen_at: contact.last_seen_at,
    last_replied_at: null,
    last_contacted_at: null,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: null,
    browser_version: null,
    browser_language: null,
    os: null,
    location: { type: 'location', country: null, region: null, city: null, country_code: null, continent_code: null },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: contact.custom_attributes ?? {},
    tags: addressableList(`${base}/tags`, shownTags, tagIds.length),
    notes: addressableList(`${base}/notes`, [], 0),
    companies: addressableList(`${base}/companies`, [], 0),
    opted_out_subscription_types: addressableList(`${base}/subscriptions`, [], 0),
    opted_in_subscription_types: addressableList(`${base}/subscriptions`, [], 0),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    referrer: null,
  };
  // Anything else a hand-made workspace stores is served too, never silently dropped.
  for (const [key, value] of Object.entries(contact)) if (!(key in wire)) wire[key] = value;
  return wire;
}
