/**
 * The requests s3-output.ts and s3-lock.ts make, on one S3Client: every object written with its
 * SHA-256 in its metadata and a Content-Type by extension, every failure mapped to one ObjectStoreError
 * line, every HTTP attempt counted per operation, and the store's clock read off its `Date` headers.
 *
 * The client takes credentials and region from the SDK's standard chain (never from our config); the
 * endpoint from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, where path-style addressing and checksums only
 * when required suit the S3-compatible stores such endpoints point at. Every request has a connection
 * and a request timeout, and is retried by the SDK's standard strategy (exponential backoff on 5xx,
 * throttling and network errors).
 */
import './s3-quiet.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { redactUrl } from '../shared/redact-url.js';
import { errorNameOf, ObjectStoreError, statusOf, toObjectStoreError } from './s3-errors.js';

/** Files above this go up in parts (a PutObject body is held in memory, and is one retry unit). */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
const PART_SIZE_BYTES = 8 * 1024 * 1024;
const PARTS_AT_ONCE = 4;
/** Most keys one DeleteObjects request takes. */
const DELETE_BATCH = 1000;
const DEFAULT_MAX_ATTEMPTS = 6;

export interface S3StoreOptions {
  /** Attempts per request, the first included (SDK standard retry). Default 6. */
  maxAttempts?: number;
  /** Credentials instead of the SDK's default chain (tests). */
  credentials?: S3ClientConfig['credentials'];
  /** An endpoint instead of AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (tests). */
  endpoint?: string;
  /** Where AWS_ENDPOINT_URL(_S3) and COHORT_REPORTS_S3_PATH_STYLE are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** ListObjectsV2 page size; default (and S3's maximum) 1000. Tests page with a small one. */
  listPageSize?: number;
}

export interface ObjectHead {
  /** Without quotes. */
  etag: string;
  lastModifiedMs: number;
  bytes: number;
  /** What we recorded at upload; absent on an object another tool wrote. */
  sha256: string | undefined;
}

export interface ObjectRead extends ObjectHead {
  body: Buffer;
}

/** A conditional write's outcome: written (with its new ETag), or its condition did not hold. */
export type PutOutcome = { written: true; etag: string } | { written: false; why: 'exists' | 'changed' | 'missing' };

export interface S3Store {
  readonly bucket: string;
  /** '' or without leading/trailing '/'. */
  readonly prefix: string;
  /** `s3://bucket/prefix`, no trailing slash. */
  readonly location: string;
  /** Where requests go, credentials masked, for messages. */
  readonly endpoint: string;
  readonly customEndpoint: boolean;
  readonly maxAttempts: number;
  /** The key of `name` under the prefix. */
  keyOf(name: string): string;
  /** `s3://bucket/key`. */
  urlOf(key: string): string;
  /** HTTP attempts so far, per operation: put, get, head, list, copy, delete, part, multipart. */
  requests(): Record<string, number>;
  /** The store's clock, as far as its last `Date` header tells, on the given local clock. */
  storeTime(localNowMs: number): number;

  headBucket(action: string): Promise<void>;
  head(key: string, action: string): Promise<ObjectHead | null>;
  get(key: string, action: string): Promise<ObjectRead | null>;
  /** Puts `body` whole; with `ifNoneMatch` only if absent, with `ifMatch` only if its ETag is that. */
  put(key: string, body: Buffer, action: string, condition?: { ifNoneMatch?: true; ifMatch?: string }): Promise<PutOutcome>;
  /** Uploads a local file (in parts above MULTIPART_THRESHOLD_BYTES). */
  uploadFile(localPath: string, key: string, action: string): Promise<void>;
  /** Server-side copy keeping the source's metadata (Content-Type, sha256). Objects up to 5 GiB. */
  copy(fromKey: string, toKey: string, action: string): Promise<void>;
  /** Every key under `keyPrefix`, all pages. */
  listKeys(keyPrefix: string, action: string): Promise<string[]>;
  /** The CommonPrefixes under `keyPrefix` with delimiter '/', all pages, without `keyPrefix` and the trailing '/'. */
  listFolders(keyPrefix: string, action: string): Promise<string[]>;
  /** DeleteObjects in batches; any key the store reports it could not delete fails the call. */
  deleteKeys(keys: readonly string[], action: string): Promise<void>;
  /** DeleteObject, with `ifMatch` only if its ETag is that: false when that condition did not hold. */
  deleteOne(key: string, action: string, ifMatch?: string): Promise<boolean>;
  destroy(): void;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
};

/** The Content-Type an object gets from its name's extension. */
export function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  const ext = dot > key.lastIndexOf('/') ? key.slice(dot).toLowerCase() : '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

const OPERATIONS: Record<string, string> = {
  PutObjectCommand: 'put',
  GetObjectCommand: 'get',
  HeadObjectCommand: 'head',
  HeadBucketCommand: 'head',
  ListObjectsV2Command: 'list',
  CopyObjectCommand: 'copy',
  DeleteObjectCommand: 'delete',
  DeleteObjectsCommand: 'delete',
  UploadPartCommand: 'part',
  CreateMultipartUploadCommand: 'multipart',
  CompleteMultipartUploadCommand: 'multipart',
  AbortMultipartUploadCommand: 'multipart',
};

function unquoted(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The region from the SDK's chain (AWS_REGION, the profile's config), or us-east-1 when it names none. */
async function chainRegion(): Promise<string> {
  const probe = new S3Client({});
  try {
    return await probe.config.region();
  } catch {
    // us-east-1 answers for every bucket with a redirect to the bucket's region, which
    // followRegionRedirects follows.
    return 'us-east-1';
  } finally {
    probe.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const name = errorNameOf(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(err) === 404 && name !== 'NoSuchBucket');
}

function isPrecondition(err: unknown): boolean {
  const name = errorNameOf(err);
  // 409 ConditionalRequestConflict: another conditional write to the key is in flight; as for 412,
  // the condition cannot be said to hold.
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || statusOf(err) === 412 || statusOf(err) === 409;
}

/** Runs `tasks` at most `limit` at a time; the first failure is thrown once the running ones settle. */
export async function runBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failed === null && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== null) throw (failed as { err: unknown }).err;
}

/**
 * @example
 * const store = await createS3Store('reports', 'monthly');
 * await store.put(store.keyOf('trends.csv'), bytes, 'upload');
 */
export async function createS3Store(bucket: string, prefix: string, options: S3StoreOptions = {}): Promise<S3Store> {
  const env = options.env ?? process.env;
  const configured = options.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  const customEndpoint = configured !== undefined;
  const pathStyle = env.COHORT_REPORTS_S3_PATH_STYLE;
  const forcePathStyle = pathStyle === 'true' ? true : pathStyle === 'false' ? false : customEndpoint;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const region = await chainRegion();
  const listPageSize = options.listPageSize ?? 1000;

  const config: S3ClientConfig = {
    region,
    followRegionRedirects: true,
    forcePathStyle,
    maxAttempts,
    retryMode: 'standard',
    // Every network wait is bounded: connecting, and a request that stops moving.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  };
  if (configured !== undefined) {
    config.endpoint = configured;
    // Since 3.729 the SDK sends CRC32 checksums by default, which many S3-compatible stores refuse.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (options.credentials !== undefined) config.credentials = options.credentials;
  const client = new S3Client(config);

  const counts: Record<string, number> = {};
  let skewMs = 0;
  const noteDate = (headers: Record<string, string> | undefined): void => {
    const date = headers?.date ?? headers?.Date;
    const at = date === undefined ? NaN : Date.parse(date);
    if (!Number.isNaN(at)) skewMs = at - Date.now();
  };
  // In finalizeRequest below the retry middleware (priority high): runs once per HTTP attempt.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = OPERATIONS[context.commandName ?? ''] ?? String(context.commandName ?? 'other');
      counts[op] = (counts[op] ?? 0) + 1;
      try {
        const out = await next(args);
        noteDate((out.response as { headers?: Record<string, string> } | undefined)?.headers);
        return out;
      } catch (err) {
        noteDate((err as { $response?: { headers?: Record<string, string> } }).$response?.headers);
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'cohortReportsCountRequests' },
  );

  const location = prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
  const endpoint = redactUrl(configured ?? `https://s3.${region}.amazonaws.com`);
  const urlOf = (key: string): string => (key === '' ? `s3://${bucket}` : `s3://${bucket}/${key}`);
  const fail = (err: unknown, action: string, key: string): Error =>
    toObjectStoreError(err, { action, url: urlOf(key), bucket, location, endpoint, customEndpoint });

  async function send<T>(action: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw fail(err, action, key);
    }
  }

  const store: S3Store = {
    bucket,
    prefix,
    location,
    endpoint,
    customEndpoint,
    maxAttempts,
    keyOf: (name) => (prefix === '' ? name : `${prefix}/${name}`),
    urlOf,
    requests: () => ({ ...counts }),
    storeTime: (localNowMs) => localNowMs + skewMs,

    async headBucket(action) {
      await send(action, '', () => client.send(new HeadBucketCommand({ Bucket: bucket }))).catch((err: unknown) => {
        // HeadBucket answers a missing bucket with a bare 404, which the SDK names NotFound.
        if (err instanceof ObjectStoreError && err.statusCode === 404) {
          throw fail(Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }), action, '');
        }
        throw err;
      });
    },

    async head(key, action) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          etag: unquoted(out.ETag),
          lastModifiedMs: out.LastModified?.getTime() ?? 0,
          bytes: out.ContentLength ?? 0,
          sha256: out.Metadata?.sha256,
        };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw fail(err, action, key);
      }
    },

    async get(key, action) {
      // The SDK retries a request, not the reading of its body: a body cut off midway is asked for again here.
      for (let attempt = 1; ; attempt++) {
        let out;
        try {
          out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        } catch (err) {
          if (isNotFound(err)) return null;
          throw fail(err, action, key);
        }
        try {
          const body = Buffer.from(await out.Body!.transformToByteArray());
          return {
            body,
            etag: unquoted(out.ETag),
            lastModifiedMs: out.LastModified?.getTime() ?? 0,
            bytes: body.length,
            sha256: out.Metadata?.sha256,
          };
        } catch (err) {
          if (attempt >= maxAttempts) throw fail(Object.assign(err as object, { $metadata: { attempts: attempt } }), action, key);
        }
      }
    },

    async put(key, body, action, condition = {}) {
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentTypeOf(key),
            Metadata: { sha256: sha256Hex(body) },
            ...(condition.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
            ...(condition.ifMatch !== undefined ? { IfMatch: `"${condition.ifMatch}"` } : {}),
          }),
        );
        return { written: true, etag: unquoted(out.ETag) };
      } catch (err) {
        if (condition.ifNoneMatch && isPrecondition(err)) return { written: false, why: 'exists' };
        if (condition.ifMatch !== undefined && isPrecondition(err)) return { written: false, why: 'changed' };
        if (condition.ifMatch !== undefined && isNotFound(err)) return { written: false, why: 'missing' };
        throw fail(err, action, key);
      }
    },

    async uploadFile(localPath, key, action) {
      const info = await stat(localPath);
      if (info.size <= MULTIPART_THRESHOLD_BYTES) {
        const outcome = await store.put(key, await readFile(localPath), action);
        if (!outcome.written) throw new Error(`unconditional put of ${urlOf(key)} was refused`);
        return;
      }
      const sha256 = await sha256OfFile(localPath);
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: createReadStream(localPath), ContentType: contentTypeOf(key), Metadata: { sha256 } },
        partSize: PART_SIZE_BYTES,
        queueSize: PARTS_AT_ONCE,
        leavePartsOnError: false,
      });
      await send(action, key, () => upload.done());
    },

    async copy(fromKey, toKey, action) {
      const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
      await send(action, toKey, () =>
        client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source, MetadataDirective: 'COPY' })),
      );
    },

    async listKeys(keyPrefix, action) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await send(action, keyPrefix, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken: token, MaxKeys: listPageSize })),
        );
        for (const item of page.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys;
    },

    async listFolders(keyPrefix, action) {
      const folders = new Set<string>();
      let token: string | undefined;
      do {
        const page = await send(action, keyPrefix, () =>
          client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, Delimiter: '/', ContinuationToken: token, MaxKeys: listPageSize }),
          ),
        );
        for (const p of page.CommonPrefixes ?? []) {
          if (p.Prefix?.startsWith(keyPrefix) && p.Prefix.endsWith('/')) folders.add(p.Prefix.slice(keyPrefix.length, -1));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return [...folders];
    },

    async deleteKeys(keys, action) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const out = await send(action, batch[0]!, () =>
          client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
        );
        const first = out.Errors?.[0];
        if (first !== undefined) {
          // A 200 answer that lists keys it kept: as loud as a failed request.
          const err = Object.assign(new Error(first.Message ?? 'not deleted'), {
            name: first.Code ?? 'DeleteFailed',
            $metadata: { httpStatusCode: first.Code === 'AccessDenied' ? 403 : undefined },
          });
          const mapped = fail(err, action, first.Key ?? batch[0]!);
          throw new ObjectStoreError(
            mapped instanceof ObjectStoreError ? mapped.code : 'OBJECT_STORE_FAILED',
            `${mapped.message} (${out.Errors!.length} of ${batch.length} keys not deleted)`,
            { reason: first.Code, cause: err },
          );
        }
      }
    },

    async deleteOne(key, action, ifMatch) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(ifMatch !== undefined ? { IfMatch: `"${ifMatch}"` } : {}) }));
        return true;
      } catch (err) {
        if (ifMatch !== undefined && isPrecondition(err)) return false;
        if (isNotFound(err)) return true;
        throw fail(err, action, key);
      }
    },

    destroy: () => client.destroy(),
  };
  return store;
}
