/**
 * The one HTTP layer every client uses (IAM, VOMS, HR, provisioning, apply writers), built on got.
 *
 * Retries are ours, not got's: we retry 429/5xx, network errors, timeouts and truncated bodies the
 * same way, honour Retry-After, and can report each retry to a progress display. Writes are retried
 * only when the caller says the call is idempotent. Error messages name the service and the URL
 * (never a header, so never a token) and say what the admin can do about it.
 */
import got, { type Got, type Method, type PlainResponse, RequestError, type StreamOptions } from 'got';
import { OperationError, UsageError } from '../engine/errors.js';

export interface TlsOptions {
  /** PEM client certificate (chain) and private key, for X.509 client authentication. */
  certificate?: string;
  key?: string;
  /** Extra trusted CAs (PEM). */
  ca?: string[];
}

export interface HttpClientOptions {
  /** Everything before the paths this client asks for, e.g. `https://iam.example.org` or `…/voms/atlas`. */
  baseUrl: string;
  /** Used in messages: `IAM`, `VOMS`, `CERN HR`. */
  service: string;
  headers?: Record<string, string>;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** Per request, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff delay in milliseconds, doubled each retry (default 1 s, capped at 30 s). */
  backoffMs?: number;
  /** A Retry-After longer than this (ms) is not waited for: the call fails (default 120 s). */
  maxRetryAfterMs?: number;
  /** Turn TLS verification off (`--insecure`). */
  insecure?: boolean;
  tls?: TlsOptions;
  /** Told about every retry, e.g. to show "retrying in 2 s" under a progress bar. */
  onRetry?: (info: RetryInfo) => void;
}

/** How far a paged read has come, for progress bars. */
export interface FetchProgress {
  /** What is being read: `IAM users`, `IAM labels`, `VOMS users`… */
  phase: string;
  done: number;
  /** null until the server has said how many there are. */
  total: number | null;
}

export interface RetryInfo {
  url: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RequestOptions {
  searchParams?: Record<string, string | number>;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (e.g. XML-RPC). */
  body?: string;
  /** Status codes that are answers, not failures (e.g. 404 for "no such person"). */
  acceptStatus?: number[];
  /** Retry a non-GET call too: only for calls that are safe to repeat. */
  idempotent?: boolean;
}

export interface HttpResponse {
  url: string;
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpClient {
  readonly baseUrl: string;
  readonly service: string;
  /** Resolves a path (relative to the base URL) to the full URL, with its query. */
  url(path: string, searchParams?: Record<string, string | number>): string;
  /** Any request; the body as text. Throws OperationError for failures after the retries. */
  request(method: Method, path: string, options?: RequestOptions): Promise<HttpResponse>;
  /** A request whose answer must be JSON (204 gives null); returns the parsed value and the raw text. */
  json<T = unknown>(method: Method, path: string, options?: RequestOptions): Promise<{ value: T; text: string; response: HttpResponse }>;
  /** GET + json. */
  getJson<T = unknown>(path: string, searchParams?: Record<string, string | number>): Promise<{ value: T; text: string; response: HttpResponse }>;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set([
  'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET',
]);
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED',
]);

/** Cuts a base URL and a path into one URL without doubling or losing slashes. */
export function joinUrl(baseUrl: string, path: string, searchParams?: Record<string, string | number>): string {
  const base = baseUrl.replace(/\/+$/, '');
  const url = new URL(/^https?:\/\//i.test(path) ? path : `${base}/${path.replace(/^\/+/, '')}`);
  for (const [k, v] of Object.entries(searchParams ?? {})) url.searchParams.set(k, String(v));
  return url.toString();
}

/** Checks a URL given on the command line: http(s), with a host. */
export function checkBaseUrl(option: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} ${JSON.stringify(value)} is not a URL (expected https://host/…)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${option} ${JSON.stringify(value)} must start with https:// (or http://)`);
  }
  if (url.username || url.password) {
    throw new UsageError(`${option} must not carry a user name or password; use the secret options instead`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry-After is seconds or an HTTP date; returns milliseconds, or null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return null;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function describeStatus(response: HttpResponse): string {
  return `HTTP ${response.statusCode}${response.statusMessage ? ` ${response.statusMessage}` : ''}`;
}

/** A short reason from an error body (SCIM `detail`, OAuth `error_description`…), never the whole page. */
function serverDetail(body: string): string {
  const text = body.trim();
  if (!text || text.startsWith('<')) return '';
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['detail', 'error_description', 'message', 'error']) {
      if (typeof value[key] === 'string' && value[key]) return `: ${String(value[key]).slice(0, 200)}`;
    }
    return '';
  } catch {
    return `: ${text.split('\n')[0].slice(0, 200)}`;
  }
}

function looksLikeHtml(response: HttpResponse): boolean {
  const type = String(response.headers['content-type'] ?? '');
  return /html/i.test(type) || /^\s*</.test(response.body);
}

/**
 * Messages quote what a server sent (an error detail, a parser's view of the body): C0 and C1
 * control characters are shown as escapes, so the message stays one line a terminal will not obey.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

class Failure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(printable(message));
  }
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const {
    baseUrl, service, bearerToken, basicAuth, insecure = false, tls = {}, onRetry,
    timeoutMs = 30_000, retries = 4, backoffMs = 1000, maxRetryAfterMs = 120_000,
  } = options;
  // Shorter values would mangle every message they happen to occur in; no real token is that short.
  const secrets = [bearerToken, basicAuth?.password].filter((s): s is string => !!s && s.length >= 4);
  const redact = (text: string): string => secrets.reduce((t, s) => t.split(s).join('[secret]'), text);

  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;
  if (basicAuth) {
    headers.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
  }

  const instance: Got = got.extend({
    headers,
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: true,
    maxRedirects: 5,
    responseType: 'text',
    https: {
      rejectUnauthorized: !insecure,
      certificate: tls.certificate,
      key: tls.key,
      certificateAuthority: tls.ca && tls.ca.length ? tls.ca : undefined,
    },
  });

  const url = (path: string, searchParams?: Record<string, string | number>) => joinUrl(baseUrl, path, searchParams);

  function networkFailure(err: unknown, target: string): Failure {
    const code = (err as { code?: string }).code ?? '';
    if (TLS_TRUST_CODES.has(code)) {
      return new Failure(
        `${service} ${target}: the server's TLS certificate is not trusted (${code}); ` +
          'add its CA with NODE_EXTRA_CA_CERTS, or use --insecure to turn verification off', false);
    }
    if (code === 'CERT_HAS_EXPIRED' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new Failure(`${service} ${target}: the server's TLS certificate is not valid (${code}); use --insecure only if you trust this server`, false);
    }
    if (code === 'ETIMEDOUT' || (err as Error).name === 'TimeoutError') {
      return new Failure(`${service} ${target}: no answer within ${timeoutMs / 1000} s`, true);
    }
    if (/certificate|handshake|alert/i.test((err as Error).message) && /^ERR_SSL|^EPROTO/.test(code)) {
      return new Failure(`${service} ${target}: TLS handshake failed (${code}); check the client certificate and key`, false);
    }
    const detail = code || (err as Error).name || 'network error';
    const retryable = RETRY_CODES.has(code) || err instanceof RequestError && (err.name === 'ReadError' || /aborted|premature|socket hang up/i.test(err.message));
    return new Failure(`${service} ${target}: ${detail}: ${redact((err as Error).message)}`, retryable);
  }

  function statusFailure(response: HttpResponse, target: string): Failure {
    const { statusCode } = response;
    if (statusCode === 401) {
      return new Failure(`${service} ${target}: HTTP 401, the credentials were refused (expired or wrong token/certificate?)`, false);
    }
    if (statusCode === 403) {
      return new Failure(`${service} ${target}: HTTP 403, not allowed: the credentials lack the rights for this call${redact(serverDetail(response.body))}`, false);
    }
    const retryable = RETRY_STATUS.has(statusCode);
    return new Failure(`${service} ${target}: ${describeStatus(response)}${redact(serverDetail(response.body))}`, retryable, parseRetryAfter(response.headers['retry-after']));
  }

  /**
   * One exchange through got's stream interface. got's promise interface costs about a third more
   * CPU per request (a cancelable promise, an event emitter and a second pass over the body), which
   * is what bounds a fetch that asks for the labels of 100 000 accounts one by one. Only the options
   * a request sets are passed, so got has less to merge into its defaults.
   */
  function exchange(method: Method, full: string, opts: RequestOptions): Promise<HttpResponse> {
    const perRequest: StreamOptions = {};
    if (method !== 'GET') perRequest.method = method;
    if (opts.headers) perRequest.headers = opts.headers;
    if (opts.json !== undefined) perRequest.json = opts.json;
    if (opts.body !== undefined) perRequest.body = opts.body;
    return new Promise((resolve, reject) => {
      const stream = instance.stream(full, perRequest);
      let answer: PlainResponse | undefined;
      const chunks: Buffer[] = [];
      stream.once('response', (res: PlainResponse) => { answer = res; });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', reject);
      stream.once('end', () => {
        const res = answer as PlainResponse;
        resolve({ url: res.url, statusCode: res.statusCode, statusMessage: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      // A got stream waits to be written to unless the method takes no body or one was given.
      if (method !== 'GET' && method !== 'HEAD' && opts.json === undefined && opts.body === undefined) stream.end();
    });
  }

  async function once(method: Method, full: string, opts: RequestOptions): Promise<HttpResponse> {
    let response: HttpResponse;
    try {
      response = await exchange(method, full, opts);
    } catch (err) {
      throw networkFailure(err, `${method} ${full}`);
    }
    if (response.statusCode >= 400 && !(opts.acceptStatus ?? []).includes(response.statusCode)) {
      throw statusFailure(response, `${method} ${full}`);
    }
    return response;
  }

  async function withRetries<T>(method: Method, full: string, opts: RequestOptions, run: () => Promise<T>): Promise<T> {
    const mayRetry = method === 'GET' || method === 'HEAD' || opts.idempotent === true;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof Failure)) throw err;
        if (!mayRetry || !err.retryable || attempt > retries) {
          const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
          throw new OperationError(`${err.message}${tries}`);
        }
        if (err.retryAfterMs !== null && err.retryAfterMs > maxRetryAfterMs) {
          throw new OperationError(`${err.message}: the server asks to wait ${Math.round(err.retryAfterMs / 1000)} s, more than ${maxRetryAfterMs / 1000} s; try again later`);
        }
        const backoff = Math.min(backoffMs * 2 ** (attempt - 1), 30_000) * (1 + Math.random() * 0.2);
        const delayMs = Math.round(err.retryAfterMs ?? backoff);
        onRetry?.({ url: full, attempt, delayMs, reason: err.message });
        await sleep(delayMs);
      }
    }
  }

  const request: HttpClient['request'] = (method, path, opts = {}) => {
    const full = url(path, opts.searchParams);
    return withRetries(method, full, opts, () => once(method, full, opts));
  };

  const json: HttpClient['json'] = <T>(method: Method, path: string, opts: RequestOptions = {}) => {
    const full = url(path, opts.searchParams);
    // Parsing is inside the retry loop: a body cut short by a proxy is worth another try.
    return withRetries(method, full, opts, async () => {
      const response = await once(method, full, opts);
      if (response.statusCode === 204) return { value: null as T, text: '', response };
      if (looksLikeHtml(response)) {
        throw new Failure(`${service} ${method} ${full}: answered with an HTML page instead of JSON (a login page or a proxy error? check the URL)`, false);
      }
      try {
        return { value: JSON.parse(response.body) as T, text: response.body, response };
      } catch (err) {
        throw new Failure(`${service} ${method} ${full}: the answer is not valid JSON (cut short?): ${(err as Error).message}`, true);
      }
    });
  };

  return {
    baseUrl,
    service,
    url,
    request,
    json,
    getJson: (path, searchParams) => json('GET', path, { searchParams }),
  };
}

/**
 * Runs `worker` over `items` with at most `limit` in flight; results keep the items' order.
 * The first failure stops new work and is thrown once the running calls have settled.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | null = null;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await worker(items[index], index);
      } catch (error) {
        failed ??= { error };
      }
    }
  });
  await Promise.all(lanes);
  if (failed) throw (failed as { error: unknown }).error;
  return results;
}
