import { AppError } from '../errors/app-error.ts';

/**
 * The store port: what the sync, the bot and the tab need from a document database.
 * Adapters: Cosmos DB (Azure) and SQLite (one machine). One contract test suite runs against both.
 *
 * Every item lives in a partition (`pk`). Per-user data uses `userPartition(tenant, user)` so one
 * user's reads and queries never cross into another user's data.
 */

export interface Doc {
  id: string;
  pk: string;
  /** Seconds until the item expires (Cosmos' per-item `ttl`); needs a container with TTL on. */
  ttl?: number;
}

export interface Versioned<T> {
  value: T;
  /** Opaque version token; pass it back as `ifMatch` to make a write conditional. */
  etag: string;
}

export type Scalar = string | number | boolean | null;

export type Filter =
  | { field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Scalar }
  | { field: string; op: 'in'; value: readonly Scalar[] }
  /** The field is an array holding this value. */
  | { field: string; op: 'contains'; value: Scalar };

export interface QueryOptions {
  filters?: readonly Filter[];
  /** One field; items must all have it. Ties are broken consistently by the adapter. */
  orderBy?: { field: string; direction: 'asc' | 'desc' };
  /** Page size; at most MAX_PAGE_SIZE. */
  limit?: number;
  /** From the previous page; pass the same filters and order. */
  continuation?: string;
}

export interface Page<T> {
  items: Versioned<T>[];
  /** Absent on the last page. */
  continuation?: string;
}

export interface WriteOptions {
  /** Fail with `store.precondition_failed` unless the stored item still has this etag. */
  ifMatch?: string;
}

export interface Collection<T extends Doc> {
  read(pk: string, id: string): Promise<Versioned<T> | undefined>;
  /** Fails with `store.conflict` when an item with this id already exists in the partition. */
  create(item: T): Promise<Versioned<T>>;
  upsert(item: T): Promise<Versioned<T>>;
  /** Several upserts: one transaction where the adapter can, otherwise concurrent single writes. */
  upsertMany(items: readonly T[]): Promise<void>;
  /** Fails with `store.not_found` or, given `ifMatch`, `store.precondition_failed`. */
  replace(item: T, options?: WriteOptions): Promise<Versioned<T>>;
  /** Returns false when there was nothing to delete. */
  delete(pk: string, id: string, options?: WriteOptions): Promise<boolean>;
  query(pk: string, options?: QueryOptions): Promise<Page<T>>;
  count(pk: string, filters?: readonly Filter[]): Promise<number>;
}

export interface ContainerDefinition {
  /** Cosmos container name and SQLite table suffix. */
  name: string;
  /** Always the synthetic `/pk`: tenant + user for per-user data, tenant for tenant-wide data. */
  partitionKeyPath: '/pk';
  /**
   * Cosmos `defaultTtl`: undefined = TTL off; -1 = on, items expire only when they carry `ttl`;
   * a positive number = every item expires after that many seconds unless it says otherwise.
   */
  defaultTtlSeconds?: number;
  /** JSON paths not worth indexing (bodies, blobs): excluded from Cosmos indexing. */
  excludedPaths?: readonly string[];
  /** Fields filtered or ordered on; SQLite gets an index per field, Cosmos indexes all but excluded. */
  queryFields?: readonly string[];
  /**
   * Fields filtered on together, all but the last by equality and the last ordered on: one index
   * each, so a page reads only its own items. SQLite: a multi-column index. Cosmos DB answers the
   * same queries from the range indexes it keeps on every path; composite indexes there would cut
   * their request units, and are left for the production-shape work (issue #18).
   */
  compositeIndexes?: ReadonlyArray<readonly [string, string, ...string[]]>;
  /**
   * Array fields filtered on with `contains`. Cosmos indexes array elements itself; SQLite keeps an
   * index table of the elements, so a lookup reads the matching items instead of scanning them all.
   */
  arrayQueryFields?: readonly string[];
  /**
   * The field that queries through `arrayQueryFields` are ordered by, if one mostly is: SQLite then
   * keeps each element with it, so a page of an element's items is read in order and stops at the
   * page, whether the element is on ten items or ten thousand. (Cosmos DB needs nothing for it.)
   */
  arraySortField?: string;
  /**
   * Fields whose items are counted per value (a status): SQLite keeps the counts as items are
   * written, so counting one value costs a read whatever the partition's size. Only for containers
   * without TTL, whose items never expire unseen.
   */
  countedFields?: readonly string[];
}

export interface Store {
  /** Creates containers and indexes that are missing; safe to call at every start. */
  init(definitions: readonly ContainerDefinition[]): Promise<void>;
  collection<T extends Doc>(definition: ContainerDefinition): Collection<T>;
  /** Throws unless the store answers; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function userPartition(tenantId: string, userId: string): string {
  return `${tenantId}|${userId}`;
}

export function tenantPartition(tenantId: string): string {
  return tenantId;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Field names end up inside query text; only plain dotted identifiers are accepted. */
export function fieldPath(field: string): string[] {
  if (!FIELD.test(field)) {
    throw new AppError('store.invalid_query', `not a valid field name: ${JSON.stringify(field)}`);
  }
  return field.split('.');
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AppError('store.invalid_query', `page size must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, MAX_PAGE_SIZE);
}

/**
 * Every item a query matches, a page at a time, each page handed to `visit` and let go: for sets
 * too large to hold (a tenant's activities with their bodies).
 */
export async function forEachPage<T extends Doc>(
  collection: Collection<T>,
  pk: string,
  options: Omit<QueryOptions, 'continuation' | 'limit'>,
  visit: (items: T[]) => void,
): Promise<void> {
  let continuation: string | undefined;
  do {
    const page = await collection.query(pk, {
      ...options,
      limit: MAX_PAGE_SIZE,
      ...(continuation ? { continuation } : {}),
    });
    visit(page.items.map((i) => i.value));
    continuation = page.continuation;
  } while (continuation);
}

/** Every item a query matches, page by page: for sets known to be bounded (a directory, a page of ids). */
export async function queryAll<T extends Doc>(
  collection: Collection<T>,
  pk: string,
  options: Omit<QueryOptions, 'continuation' | 'limit'> = {},
): Promise<T[]> {
  const items: T[] = [];
  await forEachPage(collection, pk, options, (page) => items.push(...page));
  return items;
}

/**
 * The items of a partition with these ids, in as few queries as a page allows (500 ids each),
 * keyed by `keyOf`: a page of the sync's ledger entries, read in one go.
 */
export async function readByIds<T extends Doc, K>(
  collection: Collection<T>,
  pk: string,
  ids: readonly string[],
  keyOf: (item: T) => K,
): Promise<Map<K, T>> {
  const found = new Map<K, T>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const item of await queryAll(collection, pk, {
      filters: [{ field: 'id', op: 'in', value: ids.slice(i, i + 500) }],
    }))
      found.set(keyOf(item), item);
  }
  return found;
}
