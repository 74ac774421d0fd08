/**
 * IAM, read side: every SCIM user and group, and the labels IAM keeps apart from SCIM.
 *
 * Listings are read completely or not at all (paging.ts).
 */
import { InputError } from '../engine/errors.js';
import type { IamGroup, IamLabel, IamUser } from '../engine/model.js';
import { groupHasLabels, labelListSchema, readPage, toIamGroup, toIamUser, toLabel, validate } from '../engine/sources/iam.js';
import { createHttpClient, mapLimit, type FetchProgress, type HttpClient, type HttpClientOptions } from './http.js';
import { labelWorkerCount, readLabelsInThreads, type WorkerClientOptions } from './labels-pool.js';
import { readAllPages } from './paging.js';

/** IAM refuses larger pages. */
export const MAX_SCIM_COUNT = 100;

export interface IamReadOptions {
  /** Resources per page, at most 100 (default 100). */
  pageSize?: number;
  /** Pages read at the same time (default 4). */
  concurrency?: number;
  /** Label requests at the same time (default 8), over all threads. */
  labelConcurrency?: number;
  /**
   * Worker threads that read account labels beside the main thread (labels-pool.ts); 0 keeps them
   * in-process. Default: one per further core, from 2 000 accounts to ask for on. Only a client made
   * by createIamHttp can be rebuilt in a worker; any other is always used in-process.
   */
  labelWorkers?: number;
  onProgress?: (progress: FetchProgress) => void;
  /** Told about things that did not stop the fetch (e.g. an IAM without group labels). */
  onWarning?: (message: string) => void;
}

export interface IamListing {
  users: IamUser[];
  groups: IamGroup[];
}

/** What each IAM client was made from, so that a worker thread can make its own (labels-pool.ts). */
const madeFrom = new WeakMap<HttpClient, Omit<HttpClientOptions, 'service'>>();

export function createIamHttp(options: Omit<HttpClientOptions, 'service'>): HttpClient {
  const http = createHttpClient({ ...options, service: 'IAM' });
  madeFrom.set(http, options);
  return http;
}

/** Pages through a SCIM listing; each raw resource comes with the page URL and index, for error messages. */
export function readScimListing(http: HttpClient, path: string, phase: string, options: IamReadOptions = {}) {
  const pageSize = Math.min(Math.max(1, options.pageSize ?? MAX_SCIM_COUNT), MAX_SCIM_COUNT);
  return readAllPages<unknown>({
    service: 'IAM',
    phase,
    totalName: 'totalResults',
    firstOffset: 1,
    pageSize,
    concurrency: Math.max(1, options.concurrency ?? 4),
    onProgress: options.onProgress,
    idOf: (resource) => String((resource as { id?: unknown } | null)?.id ?? ''),
    fetchPage: async (startIndex) => {
      const params = { startIndex, count: pageSize };
      const { value } = await http.getJson(path, params);
      const url = http.url(path, params);
      const page = readPage(value, url, []);
      return { url, total: page.totalResults, start: page.startIndex, items: page.resources };
    },
  });
}

/**
 * An id from a SCIM listing as a path segment. An id holding a lone surrogate cannot be put in a
 * URL (encodeURIComponent throws URIError); no IAM id does, so the listing is refused.
 */
function idSegment(http: HttpClient, listing: string, id: string): string {
  try {
    return encodeURIComponent(id);
  } catch {
    throw new InputError(http.url(listing), null, `the id ${JSON.stringify(id)} is not valid Unicode (a lone surrogate), so its labels cannot be asked for`);
  }
}

/** Labels of one account or group from the IAM admin API (`iam:admin.read`). null on 404 when `allowMissing`. */
async function readLabels(http: HttpClient, path: string, allowMissing: boolean): Promise<IamLabel[] | null> {
  const { value, response } = await http.json('GET', path, { acceptStatus: allowMissing ? [404] : [] });
  if (response.statusCode === 404) return null;
  // The answer's URL is the one asked for (or where a redirect led): no second URL to build per account.
  return validate(labelListSchema, value, response.url, []).map(toLabel);
}

export function readAccountLabels(http: HttpClient, accountId: string): Promise<IamLabel[]> {
  return readLabels(http, `/iam/account/${idSegment(http, '/scim/Users', accountId)}/labels`, false) as Promise<IamLabel[]>;
}

export async function fetchIamUsers(http: HttpClient, options: IamReadOptions = {}): Promise<IamUser[]> {
  const located = await readScimListing(http, '/scim/Users', 'IAM users', options);
  const users = located.map((r) => toIamUser(r.item, r.url, ['Resources', r.index]));
  const unlabelled = users.filter((u) => u.labels === null);
  if (unlabelled.length > 0) {
    let done = 0;
    const total = unlabelled.length;
    const concurrency = Math.max(1, options.labelConcurrency ?? 8);
    options.onProgress?.({ phase: 'IAM labels', done, total });
    const made = madeFrom.get(http);
    const workers = made ? labelWorkerCount(total, concurrency, options.labelWorkers) : 0;
    if (made && workers > 0) {
      const { onRetry, ...client } = made;
      await readLabelsInThreads({
        ids: unlabelled.map((u) => u.id),
        concurrency,
        workers,
        client: client satisfies WorkerClientOptions,
        read: (id) => readAccountLabels(http, id),
        onRead: (index, labels) => {
          unlabelled[index].labels = labels;
          options.onProgress?.({ phase: 'IAM labels', done: ++done, total });
        },
        onRetry,
      });
    } else {
      await mapLimit(unlabelled, concurrency, async (user) => {
        user.labels = await readAccountLabels(http, user.id);
        options.onProgress?.({ phase: 'IAM labels', done: ++done, total });
      });
    }
  }
  return users;
}

export async function fetchIamGroups(http: HttpClient, options: IamReadOptions = {}): Promise<IamGroup[]> {
  const located = await readScimListing(http, '/scim/Groups', 'IAM groups', options);
  const groups = located.map((r) => toIamGroup(r.item, r.url, ['Resources', r.index]));
  // Older IAM versions leave group labels out of SCIM; role groups are told by them, so ask.
  const unlabelled = groups.filter((_, i) => !groupHasLabels(located[i].item));
  let missing = 0;
  await mapLimit(unlabelled, Math.max(1, options.labelConcurrency ?? 8), async (group) => {
    const labels = await readLabels(http, `/iam/group/${idSegment(http, '/scim/Groups', group.id)}/labels`, true);
    if (labels === null) missing++;
    else group.labels = labels;
  });
  if (missing > 0) {
    options.onWarning?.(`IAM has no group labels API for ${missing} group(s); role groups among them are read as plain groups`);
  }
  return groups;
}

/** Users, then groups: both complete, or an error. */
export async function fetchIam(http: HttpClient, options: IamReadOptions = {}): Promise<IamListing> {
  const users = await fetchIamUsers(http, options);
  const groups = await fetchIamGroups(http, options);
  return { users, groups };
}
