/**
 * The CERN HR API (DESIGN.md §2.7): `GET <url>/api/VOPersons/<personId>` with HTTP Basic auth, one
 * request per person, a few at a time. 404 means HR does not know the person (recorded as such);
 * any other failure after the retries is an error for that person only and the run goes on. Only
 * refused credentials (401/403) stop the run: every other request would fail the same way.
 */
import { OperationError } from '../engine/errors.js';
import type { VoPerson } from '../engine/model.js';
import type { HrExtra } from '../engine/sources/hr.js';
import { toVoPerson } from '../engine/sources/hr.js';
import { createHttpClient, mapLimit, type FetchProgress, type HttpClient, type HttpClientOptions } from './http.js';

export const HR_SERVICE = 'CERN HR';

export function createHrHttp(options: Omit<HttpClientOptions, 'service' | 'basicAuth'> & { user: string; password: string }): HttpClient {
  const { user, password, ...rest } = options;
  return createHttpClient({ ...rest, service: HR_SERVICE, basicAuth: { username: user, password } });
}

export interface HrFetchOptions {
  concurrency: number;
  onProgress?: (progress: FetchProgress) => void;
}

export interface HrFetchResult extends HrExtra {
  /** In the order the ids were given. */
  persons: VoPerson[];
}

type Answer = { person: VoPerson } | { notFound: true } | { error: string };

async function readPerson(http: HttpClient, personId: number): Promise<Answer> {
  const path = `/api/VOPersons/${encodeURIComponent(String(personId))}`;
  let response;
  try {
    response = await http.request('GET', path, { acceptStatus: [401, 403, 404] });
  } catch (err) {
    if (err instanceof OperationError) return { error: err.message };
    throw err;
  }
  const where = `${HR_SERVICE} GET ${response.url}`;
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new OperationError(`${where}: HTTP ${response.statusCode}, the HR user name or password was refused (check --hr-user and the password)`);
  }
  if (response.statusCode === 404) return { notFound: true };
  let value: unknown;
  try {
    value = JSON.parse(response.body);
  } catch {
    return { error: `${where}: the answer is not JSON` };
  }
  try {
    const person = toVoPerson(value, `${HR_SERVICE} person ${personId}`, []);
    if (person.id !== personId) return { error: `${where}: answered with person ${person.id}` };
    return { person };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Reads every person; returns who was found, who HR does not know, and who could not be read. */
export async function fetchHrPersons(http: HttpClient, personIds: readonly number[], options: HrFetchOptions): Promise<HrFetchResult> {
  let done = 0;
  const total = personIds.length;
  options.onProgress?.({ phase: 'HR persons', done, total });
  const answers = await mapLimit(personIds, options.concurrency, async (id) => {
    const answer = await readPerson(http, id);
    done++;
    options.onProgress?.({ phase: 'HR persons', done, total });
    return answer;
  });
  const result: HrFetchResult = { persons: [], notFound: [], errors: [] };
  answers.forEach((a, i) => {
    if ('person' in a) result.persons.push(a.person);
    else if ('notFound' in a) result.notFound.push(personIds[i]);
    else result.errors.push({ personId: personIds[i], message: a.error });
  });
  return result;
}
