/**
 * `fetch iam|voms`: read a live server into snapshots (CONTRACT.md "Live sources"). Everything is
 * read and validated first; the database is opened only then, and the snapshots of one fetch are
 * stored in one transaction, so a failure anywhere leaves no partial snapshot behind.
 *
 * `fetchCommand(program)` gives the `fetch` command so other modules can add sources (`fetch hr`).
 */
import { Command } from 'commander';
import { checkBaseUrl, type HttpClientOptions } from '../clients/http.js';
import { createIamHttp, fetchIam, MAX_SCIM_COUNT } from '../clients/iam.js';
import { readSecret } from '../clients/secrets.js';
import { createVomsHttp, fetchVomsUsers, readVomsCredentials } from '../clients/voms.js';
import { UsageError } from '../engine/errors.js';
import type { SourceKind } from '../engine/model.js';
import { getSetting } from '../settings.js';
import type { SnapshotInfo, Store } from '../store/types.js';
import { action, globalOptions, parseNonNegative, printJson, printLine, resolveDbPath, type GlobalOptions } from './context.js';
import { createProgress, type Progress } from './progress.js';

export interface NetworkOptions {
  timeout?: string;
  retries?: string;
  pageSize?: string;
  concurrency?: string;
}

export interface FetchedSnapshot {
  source: SourceKind;
  records: readonly unknown[];
  extra?: unknown;
}

/** The options every live fetch takes, added to a subcommand. */
export function addNetworkOptions(cmd: Command): Command {
  return cmd
    .option('--timeout <seconds>', 'per request (default 30)')
    .option('--retries <n>', 'retries of a failed request, with backoff (default 4)')
    .option('--page-size <n>', 'entries per page')
    .option('--concurrency <n>', 'requests at the same time (default 4)');
}

/** Client options from the network options and the global ones; says so when TLS checks are off. */
export function httpOptions(opts: NetworkOptions, global: GlobalOptions, progress: Progress): Omit<HttpClientOptions, 'service' | 'baseUrl'> {
  if (global.insecure) progress.note('warning: TLS verification is off (--insecure)');
  const timeout = parseNonNegative('--timeout', opts.timeout, 30);
  if (timeout === 0) throw new UsageError('--timeout must be more than 0 seconds');
  return {
    timeoutMs: timeout * 1000,
    retries: Math.floor(parseNonNegative('--retries', opts.retries, 4)),
    insecure: global.insecure === true,
    onRetry: (info) => progress.retry(info),
  };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  const n = Math.floor(parseNonNegative(name, value, fallback));
  if (n < 1) throw new UsageError(`${name} must be at least 1`);
  return n;
}

function concurrencyOf(opts: NetworkOptions): number {
  return positive('--concurrency', opts.concurrency ?? getSetting('concurrency'), 4);
}

function urlOption(option: string, value: string | undefined, setting: string): string {
  const url = value ?? getSetting(setting);
  if (!url) throw new UsageError(`${option} is required (or set it once: idsync-tui config set ${setting} URL)`);
  return checkBaseUrl(option, url);
}

/**
 * Stores the snapshots of one fetch together (one transaction when the store offers it), after
 * everything has been read. Returns what was stored.
 */
export async function storeFetched(global: GlobalOptions, origin: string, vo: string | null, fetched: FetchedSnapshot[]): Promise<SnapshotInfo[]> {
  const [{ openStore }, { packRecords }] = await Promise.all([import('../store/store.js'), import('../store/record-chunks.js')]);
  // Packed (and hashed, as JSON.stringify(records) would be) before the store is opened, compressing in the thread pool.
  const packed: Awaited<ReturnType<typeof packRecords>>[] = [];
  for (const f of fetched) packed.push(await packRecords(f.records, { sha256: true }));
  const store = await openStore(resolveDbPath(global));
  try {
    const add = (s: Store) =>
      fetched.map((f, i) =>
        s.addSnapshot({
          source: f.source,
          vo,
          origin,
          sha256: packed[i].sha256!,
          records: packed[i],
          extra: f.extra,
        }),
      );
    return 'transaction' in store && typeof store.transaction === 'function' ? store.transaction(() => add(store)) : add(store);
  } finally {
    store.close();
  }
}

/** Prints what a fetch stored: one line each, or `{ "snapshots": [...] }` with --json. */
export function reportStored(global: GlobalOptions, stored: SnapshotInfo[]): void {
  if (global.json) {
    printJson({ snapshots: stored.map(({ id, source, vo, origin, recordCount, createdAt }) => ({ id, source, vo, origin, recordCount, createdAt })) });
    return;
  }
  for (const s of stored) printLine(`stored ${s.source} snapshot #${s.id}: ${s.recordCount} records from ${s.origin}`);
}

/** Runs a fetch with a progress display that is always cleared, also on failure. */
export async function withProgress<T>(fn: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = createProgress();
  try {
    return await fn(progress);
  } finally {
    progress.done();
  }
}

interface IamFetchOptions extends NetworkOptions {
  iamUrl?: string;
  tokenFile?: string;
}

interface VomsFetchOptions extends NetworkOptions {
  vomsUrl?: string;
  cert?: string;
  key?: string;
}

/** The VO a VOMS Admin URL names (`…/voms/atlas`), or null. */
export function voFromVomsUrl(url: string): string | null {
  const match = /\/voms\/([^/?#]+)\/?$/.exec(new URL(url).pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

export function fetchCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'fetch');
  if (existing) return existing;
  return program
    .command('fetch')
    .description('read a live server into snapshots (all pages, or nothing is stored)');
}

export function register(program: Command): void {
  const fetch = fetchCommand(program);

  addNetworkOptions(
    fetch
      .command('iam')
      .description('read IAM users (with their labels) and groups over SCIM')
      .option('--iam-url <url>', 'IAM base URL, e.g. https://atlas-auth.cern.ch (setting iam.url)')
      .option('--token-file <file>', 'file holding a bearer token with scim:read and iam:admin.read (else env IDSYNC_IAM_TOKEN or BEARER_TOKEN)'),
  ).action(
    action(async function (this: Command) {
      const opts = this.opts<IamFetchOptions>();
      const global = globalOptions(this);
      const baseUrl = urlOption('--iam-url', opts.iamUrl, 'iam.url');
      const pageSize = positive('--page-size', opts.pageSize, MAX_SCIM_COUNT);
      if (pageSize > MAX_SCIM_COUNT) throw new UsageError(`--page-size: IAM serves at most ${MAX_SCIM_COUNT} per page`);
      const token = await readSecret({
        file: opts.tokenFile ?? getSetting('iam.tokenFile'),
        env: ['IDSYNC_IAM_TOKEN', 'BEARER_TOKEN'],
        what: 'IAM token',
        option: '--token-file',
      });
      const { users, groups } = await withProgress((progress) => {
        const http = createIamHttp({ baseUrl, bearerToken: token, ...httpOptions(opts, global, progress) });
        const concurrency = concurrencyOf(opts);
        return fetchIam(http, {
          pageSize,
          concurrency,
          labelConcurrency: concurrency * 2,
          onProgress: (p) => progress.update(p),
          onWarning: (m) => progress.note(`warning: ${m}`),
        });
      });
      const stored = await storeFetched(global, baseUrl, global.vo ?? null, [
        { source: 'iam-users', records: users },
        { source: 'iam-groups', records: groups },
      ]);
      reportStored(global, stored);
    }),
  );

  addNetworkOptions(
    fetch
      .command('voms')
      .description('read VOMS Admin users over the apiv2 REST API')
      .option('--voms-url <url>', 'VOMS Admin URL up to /voms/<vo>, e.g. https://voms.example.org:8443/voms/atlas (setting voms.url)')
      .option('--cert <file>', 'client certificate (PEM); else env X509_USER_PROXY, else /tmp/x509up_u<uid> (setting voms.cert)')
      .option('--key <file>', 'its private key (PEM, no passphrase); default: the --cert file (setting voms.key)'),
  ).action(
    action(async function (this: Command) {
      const opts = this.opts<VomsFetchOptions>();
      const global = globalOptions(this);
      const baseUrl = urlOption('--voms-url', opts.vomsUrl, 'voms.url');
      const pageSize = positive('--page-size', opts.pageSize, 100);
      const cert = opts.cert ?? getSetting('voms.cert');
      const credentials = await readVomsCredentials({ cert, key: opts.key ?? (cert ? getSetting('voms.key') : undefined) });
      const users = await withProgress((progress) => {
        const http = createVomsHttp({ baseUrl, credentials, ...httpOptions(opts, global, progress) });
        return fetchVomsUsers(http, { pageSize, concurrency: concurrencyOf(opts), onProgress: (p) => progress.update(p) });
      });
      const vo = global.vo ?? voFromVomsUrl(baseUrl);
      reportStored(global, await storeFetched(global, baseUrl, vo, [{ source: 'voms', records: users }]));
    }),
  );
}
