/**
 * A Redis URL carries its credentials in more places than `user:pass@`: ioredis (utils parseURL) turns
 * EVERY query key into a connection option, so `redis://h/?password=X`, `?username=u&password=X` and
 * `?sentinelPassword=X` authenticate as surely as `redis://:X@h`. Every message, log line and command
 * output that shows a URL shows it through these functions, so no form prints its secret.
 *
 * Redacted: the password of `user:pass@` (the user name stays, it tells which account), a whole
 * userinfo without a colon (`redis://X@h`: some clients read that as the password), and the value of
 * every query key that names a credential (pass, pwd, secret, token, auth, cred; case-insensitive,
 * percent-decoded, so `Password`, `sentinelPassword`, `pass%77ord`, `auth` and `access_token` too).
 */
export const REDACTED = '***';

const CREDENTIAL_KEY = /pass|pwd|secret|token|auth|cred/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Whether a URL query key names a credential (its value is never shown). */
export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEY.test(decoded(key));
}

/**
 * One URL as written, credentials masked; the rest of the text is kept byte for byte (no parsing, so
 * even a URL that `new URL` refuses is masked rather than shown or lost).
 *
 * @example maskUrlText('rediss://u:s3cret@h:6380/0?db=1&password=x') // 'rediss://u:***@h:6380/0?db=1&password=***'
 */
function maskUrlText(url: string): string {
  const start = url.indexOf('://') + 3;
  const rest = url.slice(start);
  // As a URL parser reads it: the authority ends at the first / ? or #, its userinfo at the LAST @ in
  // it (an unencoded @ in a password). A / ? or # inside a password makes the URL unreadable to
  // ioredis too (new URL throws), so no connection ever uses such a secret.
  const authorityEnd = rest.search(/[/?#]/);
  const at = rest.lastIndexOf('@', authorityEnd === -1 ? rest.length : authorityEnd);
  let shownUserinfo = '';
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    shownUserinfo = colon === -1 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`;
  }
  let tail = at === -1 ? rest : rest.slice(at);
  const query = tail.indexOf('?');
  if (query !== -1) {
    const fragment = tail.indexOf('#', query);
    const end = fragment === -1 ? tail.length : fragment;
    const masked = tail
      .slice(query + 1, end)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq !== -1 && isCredentialKey(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
      })
      .join('&');
    tail = `${tail.slice(0, query + 1)}${masked}${tail.slice(end)}`;
  }
  return `${url.slice(0, start)}${shownUserinfo}${tail}`;
}

/**
 * The configured Redis URL for a message: credentials masked, otherwise as written.
 *
 * @example redactUrl('redis://h:6379/?username=u&password=s3cret') // 'redis://h:6379/?username=u&password=***'
 */
export function redactUrl(url: string): string {
  // A URL neither ioredis nor we can read is not shown at all: where its secret ends is anyone's guess.
  if (!URL.canParse(url) || !url.includes('://')) return 'the configured URL';
  return maskUrlText(url).replace(/\/$/, '');
}

// A URL inside free text runs from its scheme to the next whitespace: a secret never stops short of
// its end. Only a closing quote or bracket that matches the one just before the URL is left outside.
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/\S*/gi;
const CLOSING: Record<string, string> = { '"': '"', "'": "'", '`': '`', '(': ')', '[': ']', '<': '>' };

/**
 * Any text (an error message, a log line's string, a failed reason read back from Redis) with the
 * credentials of every URL in it masked.
 *
 * @example redactCredentials('cannot reach Redis at redis://:s3cret@h (ECONNREFUSED)') // 'cannot reach Redis at redis://:***@h (ECONNREFUSED)'
 */
export function redactCredentials(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (url: string, at: number) => {
    const closing = CLOSING[text[at - 1] ?? ''];
    return closing !== undefined && url.length > 1 && url.endsWith(closing) ? `${maskUrlText(url.slice(0, -1))}${closing}` : maskUrlText(url);
  });
}
