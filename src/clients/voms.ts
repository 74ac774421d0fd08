/**
 * VOMS Admin, read side: every user from `apiv2/users` (0-based `startIndex`, `pageSize`), with
 * X.509 client authentication and the CSRF guard header VOMS Admin wants on REST calls.
 *
 * Credentials are what grid tools use: `--cert`/`--key`, else the proxy in `X509_USER_PROXY`, else
 * the default proxy `/tmp/x509up_u<uid>`. Server CAs: Node's usual ones plus the IGTF CAs in
 * `X509_CERT_DIR` (default `/etc/grid-security/certificates`), since VOMS hosts carry grid
 * host certificates.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { InputError, UsageError } from '../engine/errors.js';
import type { VomsUser } from '../engine/model.js';
import { parse as parseVomsPage } from '../engine/sources/voms.js';
import { createHttpClient, type FetchProgress, type HttpClient, type HttpClientOptions } from './http.js';
import { readAllPages } from './paging.js';

export const CSRF_HEADER = 'X-VOMS-CSRF-GUARD';

export interface VomsCredentials {
  certificate: string;
  key: string;
  /** Where they came from, for messages (paths only). */
  origin: string;
}

export interface CredentialOptions {
  cert?: string;
  key?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string): { type: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ type: m[1], pem: `${m[0]}\n` }));
}

async function readPemFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InputError(file, null, `cannot read the ${what}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code}`);
  }
}

/** Finds and reads the client certificate and key; errors say where we looked. */
export async function readVomsCredentials(options: CredentialOptions = {}): Promise<VomsCredentials> {
  const env = options.env ?? process.env;
  let certFile = options.cert;
  let keyFile = options.key;
  if (keyFile && !certFile) throw new UsageError('--key needs --cert');
  if (!certFile) {
    const uid = options.uid ?? process.getuid?.() ?? 0;
    const fallback = `/tmp/x509up_u${uid}`;
    certFile = env.X509_USER_PROXY || (existsSync(fallback) ? fallback : undefined);
    if (!certFile) {
      throw new UsageError(`no client certificate: give --cert FILE --key FILE, or set X509_USER_PROXY (no proxy at ${fallback} either)`);
    }
  }
  keyFile ??= certFile;
  const certText = await readPemFile(certFile, 'client certificate');
  const keyText = keyFile === certFile ? certText : await readPemFile(keyFile, 'private key');
  const certs = pemBlocks(certText).filter((b) => b.type === 'CERTIFICATE');
  const keys = pemBlocks(keyText).filter((b) => /PRIVATE KEY$/.test(b.type));
  if (certs.length === 0) throw new InputError(certFile, null, 'holds no PEM certificate');
  if (keys.length === 0) {
    throw new InputError(keyFile, null, keyFile === certFile ? 'holds no private key (a proxy file holds both; otherwise give --key)' : 'holds no PEM private key');
  }
  if (keys[0].type === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(keys[0].pem)) {
    throw new InputError(keyFile, null, 'the private key is protected by a passphrase; make a proxy (voms-proxy-init or grid-proxy-init) and use X509_USER_PROXY');
  }
  return {
    certificate: certs.map((c) => c.pem).join(''),
    key: keys[0].pem,
    origin: keyFile === certFile ? certFile : `${certFile} + ${keyFile}`,
  };
}

/** Node's CAs plus the grid CAs of X509_CERT_DIR, or null to keep Node's defaults alone. */
export function gridCertificateAuthorities(env: NodeJS.ProcessEnv = process.env): string[] | null {
  const dir = env.X509_CERT_DIR || '/etc/grid-security/certificates';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const extra: string[] = [];
  for (const name of names.filter((n) => /\.(\d+|pem)$/.test(n)).sort()) {
    try {
      extra.push(...pemBlocks(readFileSync(path.join(dir, name), 'utf8')).filter((b) => b.type === 'CERTIFICATE').map((b) => b.pem));
    } catch {
      // An unreadable file among hundreds of CAs is skipped, as OpenSSL's CApath lookup would.
    }
  }
  return extra.length ? [...rootCertificates, ...extra] : null;
}

export function createVomsHttp(options: Omit<HttpClientOptions, 'service'> & { credentials: VomsCredentials }): HttpClient {
  const { credentials, ...rest } = options;
  return createHttpClient({
    ...rest,
    service: 'VOMS',
    headers: { ...rest.headers, [CSRF_HEADER]: 'y' },
    tls: {
      certificate: credentials.certificate,
      key: credentials.key,
      ca: rest.tls?.ca ?? gridCertificateAuthorities() ?? undefined,
    },
  });
}

export interface VomsReadOptions {
  /** Users per page (default 100). */
  pageSize?: number;
  /** Pages read at the same time (default 4). */
  concurrency?: number;
  onProgress?: (progress: FetchProgress) => void;
}

/** Every user; pages are checked against each other (paging.ts). */
export async function fetchVomsUsers(http: HttpClient, options: VomsReadOptions = {}): Promise<VomsUser[]> {
  const pageSize = Math.max(1, options.pageSize ?? 100);
  const all = await readAllPages<VomsUser>({
    service: 'VOMS',
    phase: 'VOMS users',
    totalName: 'count',
    firstOffset: 0,
    pageSize,
    concurrency: Math.max(1, options.concurrency ?? 4),
    onProgress: options.onProgress,
    idOf: (user) => String(user.id),
    fetchPage: async (startIndex) => {
      const params = { startIndex, pageSize };
      const { value, text } = await http.getJson<{ startIndex?: unknown; count?: unknown }>('apiv2/users', params);
      const url = http.url('apiv2/users', params);
      // The dump parser validates the page, so a bad record reads the same as in an imported file.
      const items = parseVomsPage(text, url).records;
      const number = (v: unknown) => (typeof v === 'number' ? v : null);
      return { url, total: number(value.count), start: number(value.startIndex), items };
    },
  });
  return all.map((r) => r.item);
}
