/** Keyset paging of `iterateResources`: each page starts after the last key of the page before. */
import { checkPaging } from './common.js';
import type { ResourceFilter } from './types.js';

const DEFAULT_PAGE_SIZE = 1000;

export interface KeyPaging {
  limit?: number;
  offset: number;
  pageSize: number;
}

/** One page to read: `take` rows after the key `after` (from the first row when undefined), past `skip`. */
export interface KeyPage {
  after: string | undefined;
  take: number;
  skip: number;
}

/** Checks the filter's limit and offset. Throws `StoreInvalidArgument`. */
export function keyPaging(filter: (ResourceFilter & { pageSize?: number }) | undefined): KeyPaging {
  const { limit, offset } = checkPaging(filter);
  return { limit, offset, pageSize: Math.max(1, filter?.pageSize ?? DEFAULT_PAGE_SIZE) };
}

/** Yields the rows of `readPage` in key order, page by page, until the limit or a short page. */
export async function* rowsByKey<R extends { key: string }>(paging: KeyPaging, readPage: (page: KeyPage) => Promise<R[]>): AsyncGenerator<R> {
  let after: string | undefined;
  let left = paging.limit ?? Number.POSITIVE_INFINITY;
  let skip = paging.offset;
  while (left > 0) {
    const take = Math.min(paging.pageSize, left);
    const page = await readPage({ after, take, skip });
    skip = 0;
    yield* page;
    if (page.length < take) return;
    left -= page.length;
    after = page[page.length - 1]!.key;
  }
}
