/**
 * What an object store refused, as one line: what failed (the operation and its s3:// URL), why (the
 * SDK's error name and HTTP status) and the fix. Setup problems (no credentials, access denied, no such
 * bucket, a malformed --out URL) exit 2, like other configuration errors; a store that cannot be
 * reached or keeps refusing exits 1 (a rerun resumes).
 *
 * Messages never hold credentials, signatures or presigned URLs: the server's own message text is
 * shown only for errors we have no better words for, and then scrubbed of anything signature-like.
 */
import { printable } from '../shared/printable.js';
import { redactCredentials } from '../shared/redact-url.js';

export type ObjectStoreErrorCode =
  | 'OBJECT_STORE_BAD_URL'
  | 'OBJECT_STORE_CREDENTIALS'
  | 'OBJECT_STORE_ACCESS_DENIED'
  | 'OBJECT_STORE_NO_BUCKET'
  | 'OBJECT_STORE_UNREACHABLE'
  | 'OBJECT_STORE_THROTTLED'
  | 'OBJECT_STORE_FAILED';

const SETUP_CODES: ReadonlySet<ObjectStoreErrorCode> = new Set([
  'OBJECT_STORE_BAD_URL',
  'OBJECT_STORE_CREDENTIALS',
  'OBJECT_STORE_ACCESS_DENIED',
  'OBJECT_STORE_NO_BUCKET',
]);

export class ObjectStoreError extends Error {
  readonly code: ObjectStoreErrorCode;
  /** 2: a setup fix is needed; 1: the store failed or could not be reached (rerun later). */
  readonly exitCode: 1 | 2;
  /** The SDK's error name (`AccessDenied`, `ECONNREFUSED`, …), when one was mapped. */
  readonly reason: string | undefined;
  /** The HTTP status the store answered, when it answered. */
  readonly statusCode: number | undefined;
  constructor(code: ObjectStoreErrorCode, message: string, details: { reason?: string; statusCode?: number; cause?: unknown } = {}) {
    super(oneLine(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ObjectStoreError';
    this.code = code;
    this.exitCode = SETUP_CODES.has(code) ? 2 : 1;
    this.reason = details.reason;
    this.statusCode = details.statusCode;
  }
}

/** Where a failed request went, for the message. */
export interface ObjectStoreContext {
  /** What we were doing, as a verb phrase: `upload`, `read`, `list`, `take the lock on`. */
  action: string;
  /** The object or prefix, as `s3://bucket/key`. */
  url: string;
  bucket: string;
  /** `s3://bucket/prefix`: what the permissions must cover. */
  location: string;
  /** The endpoint requests go to, credentials masked (`https://s3.us-east-1.amazonaws.com`). */
  endpoint: string;
  /** Whether AWS_ENDPOINT_URL(_S3) (or an explicit endpoint) chose it. */
  customEndpoint: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH',
  'ENETUNREACH', 'ECONNABORTED',
]);
const DENIED_NAMES = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'AllAccessDisabled',
  'AccountProblem', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired',
]);
const THROTTLE_NAMES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException',
  'ServiceUnavailable', 'InternalError', 'RequestTimeout',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { statusCode?: number };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

/** The HTTP status the store answered with, if it answered. */
export function statusOf(err: unknown): number | undefined {
  const e = shape(err);
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** The SDK error's name (`NoSuchKey`, `PreconditionFailed`, …) or a network error's code. */
export function errorNameOf(err: unknown): string {
  const e = shape(err);
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return 'Error';
}

/** Whether `err` came from the SDK or the network under it (and not, say, a local file read). */
export function isSdkError(err: unknown): boolean {
  const e = shape(err);
  if (e.$metadata !== undefined || e.$response !== undefined) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return e.name === 'CredentialsProviderError' || e.name === 'TimeoutError';
}

function oneLine(text: string): string {
  return printable(text.replace(/\s*[\r\n]+\s*/g, ' '));
}

/** Server text, made safe to show: one line, no signature or credential parameter, at most 200 characters. */
function scrubbed(text: string): string {
  const safe = redactCredentials(text)
    .replace(/(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId|Credential)=[^&\s,"']+/gi, '$1=***')
    .replace(/AWS4-HMAC-SHA256 \S.*$/g, 'AWS4-HMAC-SHA256 ***');
  const line = oneLine(safe);
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * An SDK (or network) error as an ObjectStoreError; an ObjectStoreError passes through, and anything
 * else that is not from the SDK (a local file that could not be read) is returned as it is.
 *
 * @example
 * toObjectStoreError(err, { action: 'upload', url: 's3://b/p/x.csv', … })
 * // ObjectStoreError: cannot upload s3://b/p/x.csv: AccessDenied (HTTP 403). The credentials need …
 */
export function toObjectStoreError(err: unknown, ctx: ObjectStoreContext): Error {
  if (err instanceof ObjectStoreError) return err;
  if (!isSdkError(err)) return err instanceof Error ? err : new Error(String(err));
  const name = errorNameOf(err);
  const status = statusOf(err);
  const attempts = shape(err).$metadata?.attempts;
  const why = printable(status === undefined ? name : `${name} (HTTP ${status})`);
  const what = `cannot ${ctx.action} ${printable(ctx.url)}: ${why}`;
  const details = { reason: name, statusCode: status, cause: err };
  const endpoint = printable(ctx.endpoint);

  if (name === 'CredentialsProviderError') {
    return new ObjectStoreError(
      'OBJECT_STORE_CREDENTIALS',
      `cannot ${ctx.action} ${printable(ctx.url)}: no AWS credentials were found (${why}). ` +
        'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role / web identity',
      details,
    );
  }
  if (name === 'RequestTimeTooSkewed') {
    return new ObjectStoreError('OBJECT_STORE_FAILED', `${what}: this machine's clock is off by more than 15 minutes; set it right (NTP)`, details);
  }
  if (DENIED_NAMES.has(name) || status === 403) {
    return new ObjectStoreError(
      'OBJECT_STORE_ACCESS_DENIED',
      `${what}. The credentials need s3:ListBucket on the bucket ${printable(ctx.bucket)} and s3:GetObject, s3:PutObject, ` +
        `s3:DeleteObject on ${printable(ctx.location)}/* (check the access key and secret)`,
      details,
    );
  }
  if (name === 'NoSuchBucket') {
    const where = ctx.customEndpoint ? ` at ${endpoint} (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)` : '';
    return new ObjectStoreError(
      'OBJECT_STORE_NO_BUCKET',
      `${what}: the bucket ${printable(ctx.bucket)} does not exist${where}. Create the bucket, or fix --out / report.outDir (s3://bucket/prefix)`,
      details,
    );
  }
  if (NETWORK_CODES.has(name) || name === 'TimeoutError') {
    const tries = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
    const fix = ctx.customEndpoint
      ? 'check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the network'
      : 'check the network (and AWS_ENDPOINT_URL_S3 if the store is not AWS S3)';
    return new ObjectStoreError('OBJECT_STORE_UNREACHABLE', `${what}${tries}: cannot reach ${endpoint}: ${fix}`, details);
  }
  if (THROTTLE_NAMES.has(name) || status === 429 || (status !== undefined && status >= 500)) {
    const tries = attempts !== undefined ? `${attempts} attempt${attempts === 1 ? '' : 's'}` : 'its retries';
    return new ObjectStoreError(
      'OBJECT_STORE_THROTTLED',
      `${what}: the store kept refusing after ${tries}. Rerun later (a rerun resumes)`,
      details,
    );
  }
  const said = typeof shape(err).message === 'string' ? scrubbed(String(shape(err).message)) : '';
  return new ObjectStoreError('OBJECT_STORE_FAILED', said === '' || said === name ? what : `${what}: ${said}`, details);
}
