// Cursor pagination over lists Docker returns whole: the cursor is the opaque id of the last item seen.
import { badInput } from '../errors.ts';

export interface Page<T> {
  totalCount: number;
  items: T[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

export const MAX_PAGE_SIZE = 1000;

const encode = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const decode = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

/** `items` must already be in their stable order; `after` continues after the item it names. */
export function paginate<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  first = 100,
  after?: string | null,
): Page<T> {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  let start = 0;
  if (after) {
    const id = decode(after);
    const index = items.findIndex((item) => idOf(item) === id);
    if (index < 0)
      throw badInput('the cursor "after" does not name an item of this list (it may have been removed)');
    start = index + 1;
  }
  const slice = items.slice(start, start + first);
  const last = slice[slice.length - 1];
  return {
    totalCount: items.length,
    items: slice,
    pageInfo: {
      endCursor: last === undefined ? null : encode(idOf(last)),
      hasNextPage: start + first < items.length,
    },
  };
}
