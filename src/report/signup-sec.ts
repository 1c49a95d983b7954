import type { Member } from '../intercom/types.js';

/**
 * A contact's signup time (METRICS.md): `signed_up_at` when present and > 0, else `created_at`.
 *
 * @example
 * signupSec({ id: 'a', role: 'user', createdAtSec: 100, signedUpAtSec: 0 }); // 100
 */
export function signupSec(member: Pick<Member, 'createdAtSec' | 'signedUpAtSec'>): number {
  const signedUp = member.signedUpAtSec;
  return signedUp !== null && signedUp !== undefined && signedUp > 0 ? signedUp : member.createdAtSec;
}
