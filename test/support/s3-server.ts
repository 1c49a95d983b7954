/**
 * An S3-compatible server for tests, in this order:
 * 1. S3_TEST_ENDPOINT (with S3_TEST_ACCESS_KEY / S3_TEST_SECRET_KEY, default minioadmin/minioadmin):
 *    a fresh bucket `cr-test-<random>` on it;
 * 2. MinIO through testcontainers, where a container runtime answers within a few seconds;
 * 3. s3rver 3.7.1 in-process on 127.0.0.1 (a random port, a temporary directory, silent).
 * `startTestS3({ conditionalWrites: false })` always gives s3rver, with the layer below switched off,
 * so the best-effort paths (a store that ignores If-None-Match) are tested too.
 *
 * What s3rver 3.7.1 does not implement (read from its source, and checked):
 * - conditional writes: If-None-Match and If-Match on PutObject, CompleteMultipartUpload and
 *   DeleteObject are ignored (it only honours If-None-Match / If-Modified-Since on GET);
 * - SigV4 signatures are not verified: a known access key id with ANY secret is accepted (V2
 *   signatures are checked). An unknown key id does get InvalidAccessKeyId;
 * - payload checksums: x-amz-content-sha256, Content-MD5 and x-amz-checksum-* are not verified;
 * - DeleteObjects never reports per-key Errors (every key is listed as Deleted);
 * - ListObjectsV2 paging: its continuation token is made with DES, which OpenSSL 3 (Node 17+) lacks,
 *   so every truncated page (more than MaxKeys, default 1000) is a 500 InternalError; and with a
 *   Delimiter it counts only objects against MaxKeys, not CommonPrefixes;
 * - no versioning, no object lock, no SSE; ETags are the body's MD5 (the multipart form with a
 *   `-N` suffix is not produced);
 * - atomic objects: it writes an object's file in place, so a GET racing a PUT of the same key can
 *   read part of it, or have its connection reset midway;
 * - concurrent deletes and writes: DeleteObject removes the folders a key leaves empty, so a PUT of a
 *   sibling key at that moment fails to open its file, as an uncaught ENOENT that kills the process.
 *
 * What the layer in front of it (a Koa middleware, unshifted before s3rver's own) adds, all of it
 * also with `conditionalWrites: false` except the conditional writes themselves:
 * - SigV4 header signatures checked against the secret of the access key (S3RVER/S3RVER), answering
 *   403 SignatureDoesNotMatch as S3 does (so a wrong secret is refused as it would be on S3);
 * - when `conditionalWrites` is on (the default): If-None-Match: * and If-Match on PutObject
 *   (CopyObject included) and If-Match on DeleteObject, 412 PreconditionFailed (404 NoSuchKey for
 *   If-Match on a missing key), atomically: every write to one key goes through a promise chain for
 *   that key, so check and write are one step. Not on CompleteMultipartUpload nor DeleteObjects;
 * - ListObjectsV2 answered by the layer from s3rver's store, paged as S3 pages (keys and common
 *   prefixes in one sequence, MaxKeys per page, a continuation token after the last);
 * - InvalidAccessKeyId for an unknown key id on every request (s3rver's own check is bypassed by
 *   the listing above);
 * - deletes (DeleteObject, DeleteObjects) run alone, writes (PUT, POST) together;
 * - whole objects: GET and HEAD of a key wait in the same per-key chain and read the object whole,
 *   so a read never sees a write half done (on with conditional writes off too).
 *
 * `startFaultProxy` puts a loopback proxy in front of any of them, to answer chosen requests with
 * errors (503 SlowDown, …) and to watch or hold requests in flight.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import '../../src/report-output/s3-quiet.js';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface TestS3 {
  /** `http://127.0.0.1:port` (or S3_TEST_ENDPOINT). */
  endpoint: string;
  bucket: string;
  kind: 'external' | 'minio' | 's3rver';
  /** Whether the store honours If-None-Match / If-Match. */
  conditionalWrites: boolean;
  /** What a child process (our CLI) needs to reach it: AWS_ENDPOINT_URL_S3, the key pair, AWS_REGION, AWS_EC2_METADATA_DISABLED. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const S3RVER_KEY = 'S3RVER';
const S3RVER_SECRET = 'S3RVER';

function randomBucket(): string {
  return `cr-test-${randomBytes(6).toString('hex')}`;
}

function envFor(endpoint: string, accessKey: string, secretKey: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    AWS_REGION: 'us-east-1',
    // A child run without these credentials must not go looking for an instance metadata service
    // (169.254.169.254): tests reach loopback only.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** A plain client on the test server (path style, checksums only when required), for test code. */
export function testS3Client(t: Pick<TestS3, 'endpoint' | 'env'>): S3Client {
  return new S3Client({
    endpoint: t.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: t.env.AWS_ACCESS_KEY_ID!, secretAccessKey: t.env.AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
}

/**
 * Every object under `prefix` (a key prefix without trailing '/'; '' for the whole bucket), read
 * through the S3 API, keyed by its name relative to the prefix (`2026-11/manifest.json`).
 */
export async function readAllObjects(t: Pick<TestS3, 'endpoint' | 'env' | 'bucket'>, prefix: string): Promise<Map<string, Buffer>> {
  const client = testS3Client(t);
  const base = prefix === '' ? '' : `${prefix}/`;
  const out = new Map<string, Buffer>();
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: base, ContinuationToken: token }));
      for (const item of page.Contents ?? []) {
        const got = await client.send(new GetObjectCommand({ Bucket: t.bucket, Key: item.Key! }));
        out.set(item.Key!.slice(base.length), Buffer.from(await got.Body!.transformToByteArray()));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } finally {
    client.destroy();
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Asks the store itself: a second put of one key with If-None-Match: * must be refused. */
async function honoursIfNoneMatch(client: S3Client, bucket: string): Promise<boolean> {
  const key = `probe-${randomBytes(6).toString('hex')}`;
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x', IfNoneMatch: '*' }));
    return false;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return true;
    throw err;
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}

async function onServer(endpoint: string, kind: 'external' | 'minio', accessKey: string, secretKey: string, stop: () => Promise<void>): Promise<TestS3> {
  const bucket = randomBucket();
  const env = envFor(endpoint, accessKey, secretKey);
  const client = testS3Client({ endpoint, env });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const conditionalWrites = await honoursIfNoneMatch(client, bucket);
    return { endpoint, bucket, kind, conditionalWrites, env, stop };
  } finally {
    client.destroy();
  }
}

async function startMinio(): Promise<TestS3 | null> {
  try {
    const tc = await import('testcontainers');
    // Most machines here have no runtime: fail over to s3rver in a few seconds, not a minute.
    await Promise.race([
      tc.getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no container runtime answered within 5 s')), 5_000).unref()),
    ]);
    const container = await new tc.GenericContainer('minio/minio:latest')
      .withCommand(['server', '/data'])
      .withEnvironment({ MINIO_ROOT_USER: 'minioadmin', MINIO_ROOT_PASSWORD: 'minioadmin' })
      .withExposedPorts(9000)
      .withWaitStrategy(tc.Wait.forHttp('/minio/health/live', 9000))
      .withStartupTimeout(60_000)
      .start();
    const endpoint = `http://${container.getHost()}:${container.getMappedPort(9000)}`;
    return await onServer(endpoint, 'minio', 'minioadmin', 'minioadmin', async () => {
      await container.stop();
    });
  } catch {
    return null;
  }
}

// --- s3rver and the layer in front of it ----------------------------------------------------------

type KoaNext = () => Promise<void>;
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  status: number;
  type: string;
  body: unknown;
  get(header: string): string;
}
interface S3rverInstance {
  middleware: Array<(ctx: KoaContext, next: KoaNext) => Promise<void>>;
  store: {
    getMetadata(bucket: string, key: string): Promise<{ etag?: string }>;
    getBucket(bucket: string): Promise<unknown>;
    listObjects(
      bucket: string,
      options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
    ): Promise<{ objects: Array<{ key: string; size: number; lastModifiedDate: Date; metadata: { etag?: string } }>; commonPrefixes: string[] }>;
  };
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * Checks a SigV4 Authorization header against `secrets` (access key id → secret): 'ok', 'mismatch',
 * 'unknown-key', or 'not-checked' (no SigV4 header: s3rver allows anonymous requests).
 */
function checkSigV4(req: IncomingMessage, secrets: ReadonlyMap<string, string>): 'ok' | 'mismatch' | 'unknown-key' | 'not-checked' {
  const auth = req.headers.authorization;
  if (auth === undefined || !auth.startsWith('AWS4-HMAC-SHA256 ')) return 'not-checked';
  const parts = new Map(
    auth
      .slice('AWS4-HMAC-SHA256 '.length)
      .split(',')
      .map((p) => p.trim().split('=') as [string, string]),
  );
  const [keyId, date, region, service] = (parts.get('Credential') ?? '').split('/');
  const secret = secrets.get(keyId ?? '');
  if (secret === undefined) return 'unknown-key';
  if (date === undefined || region === undefined || service === undefined) return 'not-checked';
  const signed = (parts.get('SignedHeaders') ?? '').split(';');
  const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
  const query = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return [rfc3986(decodeQueryPart(eq === -1 ? p : p.slice(0, eq))), rfc3986(decodeQueryPart(eq === -1 ? '' : p.slice(eq + 1)))] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headerValue = (name: string): string => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonical = [
    req.method ?? 'GET',
    rawPath,
    query,
    signed.map((h) => `${h}:${headerValue(h)}\n`).join(''),
    signed.join(';'),
    headerValue('x-amz-content-sha256') || 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', headerValue('x-amz-date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return hmac(key, toSign).toString('hex') === parts.get('Signature') ? 'ok' : 'mismatch';
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discarded: answering before reading the body would reset the client's connection
  }
}

function answerError(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>cr-test</RequestId></Error>`;
}

/** Runs `task` after every earlier task of `key` settled: per-key check-and-write in one step. */
function createKeyQueue(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '').trim();
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function queryText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * ListObjectsV2 as S3 pages it: keys and common prefixes in one ascending sequence, MaxKeys of them
 * per page, the continuation token naming the last one. (s3rver's own makes its token with DES, which
 * OpenSSL 3 no longer has: any truncated page is a 500 InternalError on Node 17+; and it pages by
 * objects only.)
 */
async function listObjectsV2(server: S3rverInstance, ctx: KoaContext, bucket: string): Promise<void> {
  if (!(await server.store.getBucket(bucket))) return answerError(ctx, 404, 'NoSuchBucket', 'The specified bucket does not exist');
  const prefix = queryText(ctx.query.prefix) ?? '';
  const delimiter = queryText(ctx.query.delimiter) ?? '';
  const maxKeys = Math.min(1000, Number(queryText(ctx.query['max-keys']) ?? 1000));
  const token = queryText(ctx.query['continuation-token']);
  const startAfter = token !== undefined ? Buffer.from(token, 'base64url').toString('utf8') : (queryText(ctx.query['start-after']) ?? '');
  const found = await server.store.listObjects(bucket, { prefix, delimiter, startAfter, maxKeys: Number.POSITIVE_INFINITY });
  type Item = { key: string; object?: (typeof found.objects)[number] };
  const items: Item[] = [...found.objects.map((object) => ({ key: object.key, object })), ...found.commonPrefixes.map((key) => ({ key }))]
    .filter((item) => item.key > startAfter && !(startAfter.endsWith(delimiter) && delimiter !== '' && item.key.startsWith(startAfter)))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const page = items.slice(0, maxKeys);
  const truncated = items.length > page.length;
  const parts = [
    `<Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>`,
    delimiter === '' ? '' : `<Delimiter>${xml(delimiter)}</Delimiter>`,
    `<IsTruncated>${truncated}</IsTruncated>`,
    token === undefined ? '' : `<ContinuationToken>${xml(token)}</ContinuationToken>`,
    truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)!.key).toString('base64url')}</NextContinuationToken>` : '',
    ...page.map(({ key, object }) =>
      object === undefined
        ? `<CommonPrefixes><Prefix>${xml(key)}</Prefix></CommonPrefixes>`
        : `<Contents><Key>${xml(key)}</Key><LastModified>${object.lastModifiedDate.toISOString()}</LastModified>` +
          `<ETag>${xml(object.metadata.etag ?? '')}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
  ];
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</ListBucketResult>`;
}

function s3rverLayer(server: S3rverInstance, conditionalWrites: boolean): (ctx: KoaContext, next: KoaNext) => Promise<void> {
  const secrets = new Map([[S3RVER_KEY, S3RVER_SECRET]]);
  const inTurn = createKeyQueue();
  const folders = createSharedExclusive();
  const currentEtag = async (bucket: string, key: string): Promise<string | null> => {
    try {
      return unquote((await server.store.getMetadata(bucket, key)).etag);
    } catch {
      return null;
    }
  };
  return async function layer(ctx, next) {
    const signature = checkSigV4(ctx.req, secrets);
    if (signature === 'mismatch' || signature === 'unknown-key') {
      await drain(ctx.req);
      return signature === 'mismatch'
        ? answerError(ctx, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.')
        : answerError(ctx, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    }
    const bucketOnly = /^\/([^/]+)\/?$/.exec(ctx.path);
    if (bucketOnly !== null && ctx.method === 'GET' && ctx.query['list-type'] === '2') return listObjectsV2(server, ctx, decodeQueryPart(bucketOnly[1]!));
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (match === null) {
      // DeleteObjects removes folders too (see removesFolders).
      return ctx.method === 'POST' && 'delete' in ctx.query ? folders.exclusive(next) : next();
    }
    if (ctx.method === 'DELETE') return folders.exclusive(() => objectRequest(ctx, next, match));
    if (ctx.method === 'PUT' || ctx.method === 'POST') return folders.shared(() => objectRequest(ctx, next, match));
    return objectRequest(ctx, next, match);
  };

  async function objectRequest(ctx: KoaContext, next: KoaNext, match: RegExpExecArray): Promise<void> {
    const plainObjectRequest = !('uploadId' in ctx.query) && !('uploads' in ctx.query) && !('tagging' in ctx.query) && !('acl' in ctx.query);
    if (!plainObjectRequest || !['GET', 'HEAD', 'PUT', 'DELETE'].includes(ctx.method)) return next();
    const bucket = decodeQueryPart(match[1]!);
    const key = decodeQueryPart(match[2]!);
    await inTurn(`${bucket}/${key}`, async () => {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        await next();
        // Read whole while no write of this key runs: s3rver writes objects in place.
        if (ctx.body instanceof Readable) ctx.body = await buffer(ctx.body);
        return;
      }
      if (!conditionalWrites) return next();
      const ifNoneMatch = ctx.get('if-none-match');
      const ifMatch = ctx.get('if-match');
      if (ifNoneMatch !== '' || ifMatch !== '') {
        const etag = await currentEtag(bucket, key);
        let refusal: [number, string, string] | null = null;
        if (ifNoneMatch === '*' && etag !== null) refusal = [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
        else if (ifMatch !== '' && etag === null) refusal = [404, 'NoSuchKey', 'The specified key does not exist.'];
        else if (ifMatch !== '' && unquote(ifMatch) !== etag) refusal = [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
        if (refusal !== null) {
          await drain(ctx.req);
          return answerError(ctx, ...refusal);
        }
      }
      await next();
    });
  }
}

/**
 * Shared and exclusive sections: s3rver's DeleteObject removes the folders a key leaves empty, which
 * races a write of a sibling key into one of them (its file open fails with ENOENT, uncaught: the
 * process dies). So deletes run alone, writes together.
 */
function createSharedExclusive(): { shared<T>(task: () => Promise<T>): Promise<T>; exclusive<T>(task: () => Promise<T>): Promise<T> } {
  let gate: Promise<void> = Promise.resolve(); // settles once no exclusive section is queued or running
  let holders = 0;
  let idle: Array<() => void> = [];
  return {
    async shared(task) {
      for (let seen = gate; ; seen = gate) {
        await seen;
        if (seen === gate) break; // an exclusive section queued meanwhile goes first
      }
      holders += 1;
      try {
        return await task();
      } finally {
        holders -= 1;
        if (holders === 0) for (const wake of idle.splice(0)) wake();
      }
    },
    async exclusive(task) {
      const previous = gate;
      let open!: () => void;
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      try {
        await previous;
        while (holders > 0) await new Promise<void>((resolve) => idle.push(resolve));
        return await task();
      } finally {
        open();
      }
    },
  };
}

async function startS3rver(conditionalWrites: boolean): Promise<TestS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'cr-s3rver-'));
  const bucket = randomBucket();
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  server.middleware.unshift(s3rverLayer(server, conditionalWrites));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    kind: 's3rver',
    conditionalWrites,
    env: envFor(endpoint, S3RVER_KEY, S3RVER_SECRET),
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A server for one test file; call `stop()` in afterAll.
 *
 * @example
 * const s3 = await startTestS3();
 * const output = await createS3Output(`s3://${s3.bucket}/run-1`, { endpoint: s3.endpoint });
 */
export async function startTestS3(options: { conditionalWrites?: boolean } = {}): Promise<TestS3> {
  if (options.conditionalWrites === false) return startS3rver(false);
  const external = process.env.S3_TEST_ENDPOINT;
  if (external) {
    return onServer(external, 'external', process.env.S3_TEST_ACCESS_KEY || 'minioadmin', process.env.S3_TEST_SECRET_KEY || 'minioadmin', async () => {});
  }
  return (await startMinio()) ?? startS3rver(true);
}

// --- a fault proxy -------------------------------------------------------------------------------

export interface FaultRule {
  method?: string;
  /** Matched against the request's path and query as sent (`/bucket/p/2026-11/a.csv?x-id=PutObject`). */
  path?: RegExp;
  /** How many matching requests get the fault (then they pass). Default: all. */
  times?: number;
  status: number;
  /** S3 error code for the XML body (`SlowDown`); or `body` for a whole answer of your own. */
  code?: string;
  body?: string;
}

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** The key a CopyObject copies from, if it is one. */
  copySource: string | undefined;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request seen, in arrival order. */
  seen: SeenRequest[];
  fail(rule: FaultRule): void;
  /** Called before each request is forwarded; the request waits for it. */
  onRequest(hook: ((req: SeenRequest) => Promise<void> | void) | null): void;
  stop(): Promise<void>;
}

/** A loopback proxy in front of `target`: forwards requests as they are (the Host header too, so signatures hold). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  const rules: Array<FaultRule & { left: number }> = [];
  const seen: SeenRequest[] = [];
  let hook: ((req: SeenRequest) => Promise<void> | void) | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const copy = req.headers['x-amz-copy-source'];
    const entry: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', copySource: typeof copy === 'string' ? decodeURIComponent(copy) : undefined };
    seen.push(entry);
    await hook?.(entry);
    const rule = rules.find((r) => r.left > 0 && (r.method === undefined || r.method === entry.method) && (r.path === undefined || r.path.test(entry.url)));
    if (rule !== undefined) {
      rule.left -= 1;
      await drain(req);
      const body =
        rule.body ??
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${rule.code ?? 'InternalError'}</Code><Message>injected by the test proxy</Message><RequestId>cr-proxy</RequestId></Error>`;
      res.writeHead(rule.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }
    const headers = { ...req.headers };
    delete headers.expect; // not signed; the proxy already answered 100-continue itself
    const out = send({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    fail: (rule) => rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY }),
    onRequest: (next) => {
      hook = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
