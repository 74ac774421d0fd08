/**
 * Reading a paged listing completely or not at all (SCIM with 1-based offsets, VOMS with 0-based).
 * Every page must repeat the first page's total, start where it was asked to and hold as many items
 * as it should; an id seen twice means pages overlapped because the listing shifted while it was
 * read. Any of these is an error, so a snapshot never holds a listing with holes.
 */
import { OperationError } from '../engine/errors.js';
import { mapLimit, type FetchProgress } from './http.js';

export interface Page<T> {
  url: string;
  /** The total the server declares (`totalResults`, `count`), or null when it does not. */
  total: number | null;
  /** The offset the server says this page starts at, or null when it does not. */
  start: number | null;
  items: T[];
}

export interface PagedListing<T> {
  /** `IAM`, `VOMS`: starts messages. */
  service: string;
  /** For progress: `IAM users`. */
  phase: string;
  /** What the server calls the total: `totalResults`, `count`. */
  totalName: string;
  /** Offset of the first item: 1 for SCIM, 0 for VOMS. */
  firstOffset: number;
  pageSize: number;
  concurrency: number;
  fetchPage(offset: number): Promise<Page<T>>;
  idOf(item: T): string;
  onProgress?: (progress: FetchProgress) => void;
}

const AGAIN = 'nothing was stored, run the fetch again';

/**
 * The largest VO idsync-tui is built for (1 000 000 people, `npm run bench -- --huge`): a total
 * beyond it is a broken or hostile server, and believing it would mean planning millions of page
 * requests and holding their answers (a fuzz run at 10 000 000 exhausted a 4 GB heap).
 */
export const MAX_LISTING_ENTRIES = 1_000_000;

export async function readAllPages<T>(listing: PagedListing<T>): Promise<{ item: T; url: string; index: number }[]> {
  const { service, phase, totalName, firstOffset, pageSize, onProgress } = listing;
  onProgress?.({ phase, done: 0, total: null });
  const first = await listing.fetchPage(firstOffset);
  const total = first.total;
  if (total === null) throw new OperationError(`${service} ${first.url}: the answer has no ${totalName}; is this the right endpoint?`);
  if (!Number.isSafeInteger(total) || total < 0 || total > MAX_LISTING_ENTRIES) {
    throw new OperationError(`${service} ${first.url}: ${totalName} is ${total}, not a number of entries this listing can hold (0 to ${MAX_LISTING_ENTRIES}); is this the right endpoint?`);
  }
  if (first.items.length === 0 && total > 0) {
    throw new OperationError(`${service} ${first.url}: ${totalName} is ${total} but the first page is empty`);
  }
  // Servers may cap the page size below what was asked; the first page tells the real one.
  const step = Math.min(pageSize, first.items.length || pageSize);
  const offsets: number[] = [];
  for (let offset = firstOffset + step; offset < firstOffset + total; offset += step) offsets.push(offset);

  let done = 0;
  const check = (page: Page<T>, offset: number) => {
    if (page.total !== total) {
      throw new OperationError(`${service} ${page.url}: the listing changed while it was read (${totalName} was ${total}, now ${page.total}); ${AGAIN}`);
    }
    if (page.start !== null && page.start !== offset) {
      throw new OperationError(`${service} ${page.url}: asked for the page at ${offset} but got the one at ${page.start}; ${AGAIN}`);
    }
    const expected = Math.min(step, total - (offset - firstOffset));
    if (page.items.length !== expected) {
      throw new OperationError(`${service} ${page.url}: the page holds ${page.items.length} entries, expected ${expected}; ${AGAIN}`);
    }
    done += page.items.length;
    onProgress?.({ phase, done, total });
    return page.items.map((item, index) => ({ item, url: page.url, index }));
  };

  const pages = [check(first, firstOffset)];
  pages.push(...(await mapLimit(offsets, listing.concurrency, async (offset) => check(await listing.fetchPage(offset), offset))));
  const all = pages.flat();
  const seen = new Map<string, string>();
  for (const { item, url } of all) {
    const id = listing.idOf(item);
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new OperationError(`${service} ${url}: ${id} was already on ${earlier}: pages overlap, so others were skipped; ${AGAIN}`);
    }
    seen.set(id, url);
  }
  return all;
}
