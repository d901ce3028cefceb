import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { AppError } from '../errors/app-error.ts';
import { isPlainJson } from './plain-json.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';
import {
  type Collection,
  type ContainerDefinition,
  type Doc,
  type Filter,
  fieldPath,
  type Page,
  pageSize,
  type QueryOptions,
  type Scalar,
  type Store,
  type Versioned,
  type WriteOptions,
} from './store.port.ts';

/**
 * Embedded store for one machine: one SQLite file (WAL), a table per container, documents as JSON.
 * Expired items are invisible at once and purged in the background, as Cosmos does with `ttl`.
 */
export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** Milliseconds since the epoch; tests move time forward to see items expire. */
  now?: () => number;
  /** How often expired rows are deleted; 0 turns the sweeper off. */
  purgeIntervalMs?: number;
  /**
   * Checkpoints in a thread of their own (WalCheckpointer), not inside the commit that fills the
   * log; on unless false. A file database only.
   */
  backgroundCheckpoints?: boolean;
  /** Pages of log past which the writer checkpoints itself (WAL_BACKSTOP_PAGES unless set). */
  walBackstopPages?: number;
}

/**
 * The log file is cut back to this many backstops when the log starts over, so a burst leaves no
 * file larger than that: twice the backstop (256 MB at 8 KB pages, 16 MB with SQLite's own 1,000
 * pages when the thread is off), so that the log of a busy writer starts over in a file of the
 * size it had (cut back at every start, each cycle gave back the file's blocks and took them
 * again, 30 ms of truncation and a costlier sync on the writer's thread, every second of a
 * backfill).
 */
const WAL_SIZE_LIMIT_BACKSTOPS = 2;
/**
 * A new database's page size: twice SQLite's 4 KB. An activity holds an email's HTML body (25 KB at
 * the median), which SQLite writes as a chain of overflow pages, each a frame of its own in the log
 * and again in the checkpoint; with 8 KB pages half as many. A backfill's CPU per email fell about
 * 10 % (A/B in one run, 4 KB against 8 KB); 16 KB measured the same as 8 KB and 64 KB worse, and
 * every small write (a ledger entry, a queue message) writes whole pages. Existing files keep
 * their size (changing it would take leaving WAL mode and a VACUUM of the whole file).
 */
const PAGE_SIZE = 8192;
/**
 * With checkpoints in their thread, the writer checkpoints only past this many pages of log (128 MB
 * at 8 KB, 64 MB in a file of 4 KB pages), by which time the thread has copied most of them, so its
 * checkpoint is short: the log stays bounded under writes that never pause (WalCheckpointer). Over
 * it, every commit tries again until one finds the thread between checkpoints. Each of the writer's
 * checkpoints syncs the log and the file on the event loop, and a backfill writes about 100 KB of
 * log an email (the body, and a page of each table and index an insert lands in), so at 4,000 pages
 * the writer synced once a second, a sixth of a production-shape backfill's time in its commits.
 */
const WAL_BACKSTOP_PAGES = 16_000;

interface Row {
  doc: string;
  /** The excluded fields of a row written before they had a table of their own (bodiesTable). */
  extra?: string | null;
  /** The excluded fields (excludedFields), apart from the document; null when there are none. */
  body?: string | null;
  /** Where their longest string goes back (splitText), and the string, kept out of `body`'s JSON. */
  text_at?: string | null;
  text?: string | null;
  etag: string;
}

const ETAG = () => `"${randomUUID()}"`;

/**
 * The top-level fields a definition's `excludedPaths` name (`/body/*`): bodies and blobs, kept in
 * a column of their own (`extra`) so that no index, trigger or count, which read the document with
 * SQLite's JSON functions, parses them. An email body of 25 KB parsed by each of a CRM item's four
 * indexes and triggers cost a millisecond per write, four times the write itself.
 */
function excludedFields(definition: ContainerDefinition): string[] {
  const fields: string[] = [];
  for (const path of definition.excludedPaths ?? []) {
    const match = /^\/([^/*?"]+)\/[*?]$/.exec(path);
    if (match?.[1]) fields.push(match[1]);
  }
  return fields;
}

function table(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) throw new Error(`bad container name ${name}`);
  return `"c_${name}"`;
}

/** The index table of a container's array elements (ContainerDefinition.arrayQueryFields). */
function elementsTable(name: string): string {
  return `"e_${name}"`;
}

/**
 * A container's excluded fields (bodies), one row each in a plain rowid table that the item's row
 * points to (`body_ref`): rows are appended at the end of its b-tree, where the items' own table
 * (WITHOUT ROWID, keyed by partition and id) would fit a 25 KB row in among its neighbours, spill
 * it to overflow pages and split pages around it.
 */
function bodiesTable(name: string): string {
  return `"b_${name}"`;
}

/** A plain object, whose keys splitText may take a string from and joinText put it back among. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isPlainJson(value) && !Array.isArray(value);
}

/**
 * The start of a bodies' row whose longest string is kept apart (splitText): not JSON, so that a
 * build from before, which parses the column as JSON, fails on the row with an error rather than
 * reading the item without its text and writing it back so (a link added to an activity would
 * have lost the email's body for good).
 */
const TEXT_APART = 'text-apart:';

/** Where the string kept apart goes back: the field, the key in the field's object, its place among the keys. */
interface TextAt {
  field: string;
  key?: string;
  index: number;
}

/** `value` with `key` put back at `index` among its keys, as it was written. */
function withKeyAt(
  value: Record<string, unknown>,
  key: string,
  text: string,
  index: number,
): Record<string, unknown> {
  const entries = Object.entries(value);
  entries.splice(index, 0, [key, text]);
  return Object.fromEntries(entries);
}

/**
 * The excluded fields as the bodies' table keeps them: their longest string (a field's own, or a
 * property of a field's object: an email's HTML `body.content`, 42 KB on average) as it is, and
 * the rest as JSON (after TEXT_APART) with where that string goes back, its place among the keys
 * kept. Escaping a body into JSON cost more than writing it: 70 to 90 µs an email against 15 to
 * 30 µs for its UTF-8 (bench/realistic-mail.ts bodies), and its parse again on each read. A
 * string that is not well-formed UTF-16 (a lone surrogate) stays in the JSON, whose escapes keep
 * it as it was; UTF-8 could not.
 */
function splitText(extra: Record<string, unknown>): [json: string, at: string | null, text: string | null] {
  let longest: { text: string; at: TextAt } | undefined;
  const consider = (text: unknown, at: TextAt) => {
    // `__proto__` would not be put back as a property.
    if (at.field === '__proto__' || at.key === '__proto__') return;
    if (typeof text === 'string' && (!longest || text.length > longest.text.length)) longest = { text, at };
  };
  for (const [index, [field, value]] of Object.entries(extra).entries()) {
    consider(value, { field, index });
    if (isPlainObject(value)) {
      for (const [inner, [key, text]] of Object.entries(value).entries())
        consider(text, { field, key, index: inner });
    }
  }
  if (!longest || !longest.text.isWellFormed()) return [JSON.stringify(extra), null, null];
  const { field, key } = longest.at;
  const rest = { ...extra };
  if (key === undefined) delete rest[field];
  else {
    const parent = { ...(rest[field] as Record<string, unknown>) };
    delete parent[key];
    rest[field] = parent;
  }
  return [`${TEXT_APART}${JSON.stringify(rest)}`, JSON.stringify(longest.at), longest.text];
}

/** The excluded fields back from the bodies' table (splitText). */
function joinText(json: string, at: string | null | undefined, text: string | null | undefined): object {
  if (!json.startsWith(TEXT_APART)) return JSON.parse(json) as object;
  if (typeof text !== 'string' || !at) throw new Error('a body row kept apart has lost its text');
  const extra = JSON.parse(json.slice(TEXT_APART.length)) as Record<string, unknown>;
  const { field, key, index } = JSON.parse(at) as TextAt;
  if (key === undefined) return withKeyAt(extra, field, text, index);
  const parent = isPlainObject(extra[field]) ? extra[field] : {};
  extra[field] = withKeyAt(parent, key, text, index);
  return extra;
}

/** Items per value of each counted field (ContainerDefinition.countedFields). */
function countsTable(name: string): string {
  return `"k_${name}"`;
}

/** The fields counted (countedFields): none in a container whose items expire, counted as read. */
function countedFieldsOf(definition: ContainerDefinition): readonly string[] {
  return definition.defaultTtlSeconds === undefined ? (definition.countedFields ?? []) : [];
}

/** A field's name as an SQL string literal. */
function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The names (less `_ins`, `_upd`, `_del`) of the triggers kept for a container's field's counts. */
function countTriggers(container: string, field: string): string {
  return `tk_${container}_${field.replaceAll('.', '_')}`;
}

/** The table of sorted array elements an earlier build kept (before searchTable): dropped at init. */
function sortedElementsTable(name: string): string {
  return `"o_${name}"`;
}

/**
 * The full-text index (SQLite's FTS5) of a sorted container's array elements
 * (ContainerDefinition.arraySortField): one row per item, its rowid the item's `seq` (where it
 * sorts), its tokens the item's partition and elements. FTS5 gathers a transaction's rows in memory
 * and writes them as one segment, merged later in the background of writes; a b-tree of
 * (element, sort, id) rows took a random page per element, and a ledger entry has a dozen search
 * words (0.3 to 0.7 ms an entry, growing with the table, against 0.05 here).
 */
function searchTable(name: string): string {
  return `"f_${name}"`;
}

/**
 * An item's `seq`, its rowid in searchTable: where it sorts. Rowids come out of FTS5 in order, so a
 * page of an element's items is read newest first and stops at the page, however many items share
 * the element. A second of the sort field spans SECOND_SPAN rowids: 1,024 for each of its
 * milliseconds, a slot each (a hash of the item's key, so the same item finds the same one). A
 * slot taken (Graph's dates are whole seconds: an email to all staff is thousands of entries in
 * one millisecond) sends it to a pseudo-random slot of the same second, so that crowding costs a
 * probe or two, not a walk; a second that is full, to the second before. Never full: the seq is
 * unique across the table. Seconds up to 2^33 (the year 2242) times 2^20 stay within JavaScript's
 * safe integers, before 1970 too.
 */
const SLOTS_PER_MS = 1024;
const SLOTS_PER_SECOND = 1000 * SLOTS_PER_MS;
const SECOND_SPAN = 2 ** 20;
const MAX_SECONDS = 2 ** 33 - 1;
/** Probes in one second before the second before is tried. */
const PROBES_PER_SECOND = 64;

/** The first slot of the millisecond an item with this sort value sorts at, or undefined when it is not a date. */
function seqPlace(value: unknown): number | undefined {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string'
        ? Date.parse(value)
        : typeof value === 'number'
          ? value
          : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  const second = Math.floor(ms / 1000);
  if (second > MAX_SECONDS) return MAX_SECONDS * SECOND_SPAN + 999 * SLOTS_PER_MS;
  if (second < -MAX_SECONDS) return -MAX_SECONDS * SECOND_SPAN;
  return second * SECOND_SPAN + Math.floor(ms - second * 1000) * SLOTS_PER_MS;
}

/** A hash of an item's key (FNV-1a): the slot it tries first, and where its probes go. */
function seqHash(pk: string, id: string): number {
  let hash = 0x811c9dc5;
  const key = `${pk}\u0000${id}`;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * An array element as one FTS5 token that nothing in a query can break: the field and the
 * element's JSON (so 7 and "7" differ, as they do to json_extract) in hex, or a SHA-256 of them
 * when long. Tokens are lower-case letters and digits only, which the `ascii` tokenizer keeps
 * whole and the query syntax reads as plain terms.
 */
function elementToken(field: string, element: unknown): string | undefined {
  if (element === null) return undefined;
  const json = JSON.stringify(element);
  if (json === undefined) return undefined;
  const bytes = Buffer.from(`${field}\u0000${json}`);
  return bytes.length <= 96
    ? `x${bytes.toString('hex')}`
    : `h${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The token every item of a partition carries, so a search stays within its partition. */
function partitionToken(pk: string): string {
  return `p${createHash('sha256').update(pk).digest('hex').slice(0, 32)}`;
}

function jsonPath(field: string): string {
  return `'$.${fieldPath(field).join('.')}'`;
}

function bind(value: Scalar): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * What json_each(doc, path) gives for a field's value: an array's elements, an object's member
 * values, a scalar itself; nothing for a field that is absent.
 */
function elementsOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return Object.values(value);
  return [value];
}

/** A document's value at a dotted field path, as the query's json_extract would find it. */
function valueAt(doc: unknown, field: string): unknown {
  let value: unknown = doc;
  for (const part of fieldPath(field)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function encodeToken(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeToken(token: string): unknown[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    // What encodeToken writes: one or two plain values (the sort key, the id), nothing else.
    if (
      Array.isArray(values) &&
      values.length >= 1 &&
      values.length <= 2 &&
      values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
    )
      return values;
  } catch {
    // fall through to the error below: a token we did not issue
  }
  throw new AppError('store.invalid_query', 'continuation token is not valid');
}

/**
 * Where a sorted item goes in the search index: its seq, its row's tokens, the seq of the row it
 * leaves, and whether the item was there already (read with its search row, so an upsert of a new
 * item need not look for its counts again).
 */
interface Placed {
  seq: number | null;
  add?: string;
  remove?: number;
  existed?: true;
}

/** Queries' statements per database, by their text: preparing one costs more than running it. */
const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();
/** Query texts vary with the filters' shape only (values are bound), so a few hundred cover them. */
const STATEMENTS_KEPT = 500;

function statement(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    if (cache.size >= STATEMENTS_KEPT) cache.delete(cache.keys().next().value!);
    cache.set(sql, prepared);
  }
  return prepared;
}

/**
 * Creates not yet written, per database: the creates made while the event loop turns (a folder
 * page's activities, each from its own email's handling) are written together, in one
 * transaction, when it next comes round. A commit per item wrote each index page it touched once
 * per item; one per batch writes it once. Every other operation on the database writes them first,
 * so reads and writes still see the creates in the order they were made.
 */
interface PendingCreate {
  write: () => Versioned<Doc>;
  resolve: (written: Versioned<Doc>) => void;
  reject: (error: unknown) => void;
}
const pendingCreates = new WeakMap<DatabaseSync, PendingCreate[]>();

function isConflict(error: unknown): boolean {
  return (error as { errcode?: number }).errcode === 1555 || /UNIQUE/.test(String(error));
}

/** Writes the database's pending creates, one transaction for all; a conflict fails its own create only. */
function flushCreates(db: DatabaseSync): void {
  const batch = pendingCreates.get(db);
  if (!batch || batch.length === 0) return;
  pendingCreates.delete(db);
  const outcomes: Array<{ written: Versioned<Doc> } | { error: unknown }> = [];
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const create of batch) {
        try {
          outcomes.push({ written: create.write() });
        } catch (error) {
          // A statement that fails on a constraint undoes itself alone; the transaction goes on.
          if (!AppError.is(error, 'store.conflict')) throw error;
          outcomes.push({ error });
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } catch (error) {
    for (const create of batch) create.reject(error);
    return;
  }
  for (const [index, create] of batch.entries()) {
    const outcome = outcomes[index]!;
    if ('written' in outcome) create.resolve(outcome.written);
    else create.reject(outcome.error);
  }
}

class SqliteCollection<T extends Doc> implements Collection<T> {
  private readonly table: string;
  private readonly stmts: Record<
    | 'read'
    | 'insert'
    | 'upsert'
    | 'update'
    | 'delete'
    | 'purge'
    | 'insertBody'
    | 'deleteBody'
    | 'exists'
    | 'addElement'
    | 'searchOf'
    | 'seqTaken'
    | 'addSearch'
    | 'removeSearch',
    StatementSync
  >;
  /** Per counted field (countedFields): a document's value counted in, and a stored row's taken out. */
  private readonly countInStatements: readonly StatementSync[];
  private readonly countOutStatements: readonly StatementSync[];
  /** The container's array fields (arrayQueryFields), whose elements a new item adds. */
  private readonly arrays: readonly string[];
  /** The field the array fields' queries are ordered by (arraySortField): elements go to searchTable. */
  private readonly sortField: string | undefined;
  private readonly db: DatabaseSync;
  private readonly definition: ContainerDefinition;
  private readonly now: () => number;
  private readonly excluded: readonly string[];
  /** The columns a read selects: the document, the excluded fields (old and new places), the etag. */
  private readonly columns: string;

  constructor(db: DatabaseSync, definition: ContainerDefinition, now: () => number) {
    this.db = db;
    this.definition = definition;
    this.now = now;
    this.excluded = excludedFields(definition);
    this.table = table(definition.name);
    const bodies = bodiesTable(definition.name);
    const fromBodies = (column: string) =>
      this.excluded.length > 0 ? `(SELECT b.${column} FROM ${bodies} AS b WHERE b.rowid = body_ref)` : 'NULL';
    this.columns = `doc, extra, etag, ${fromBodies('body')} AS body, ${fromBodies('text_at')} AS text_at, ${fromBodies('text')} AS text`;
    this.arrays = definition.arrayQueryFields ?? [];
    this.sortField = this.arrays.length > 0 ? definition.arraySortField : undefined;
    // A sorted container's rows carry their seq (searchTable), written with the rest of the row.
    const seq = this.sortField
      ? { column: ', seq', value: ', ?', set: ', seq = excluded.seq' }
      : { column: '', value: '', set: '' };
    const live = '(expires_at IS NULL OR expires_at > ?)';
    this.stmts = {
      read: db.prepare(`SELECT ${this.columns} FROM ${this.table} WHERE pk = ? AND id = ? AND ${live}`),
      insert: db.prepare(
        `INSERT INTO ${this.table} (pk, id, etag, expires_at, doc, body_ref${seq.column}) VALUES (?, ?, ?, ?, ?, ?${seq.value})`,
      ),
      // `extra` is cleared: a row written before bodies had their table keeps them there until now.
      upsert: db.prepare(
        `INSERT INTO ${this.table} (pk, id, etag, expires_at, doc, body_ref${seq.column}) VALUES (?, ?, ?, ?, ?, ?${seq.value})
         ON CONFLICT (pk, id) DO UPDATE SET etag = excluded.etag, expires_at = excluded.expires_at, doc = excluded.doc, extra = NULL, body_ref = excluded.body_ref${seq.set}`,
      ),
      update: db.prepare(
        `UPDATE ${this.table} SET etag = ?, expires_at = ?, doc = ?, extra = NULL, body_ref = ?${seq.set ? ', seq = ?' : ''} WHERE pk = ? AND id = ? AND ${live}`,
      ),
      delete: db.prepare(`DELETE FROM ${this.table} WHERE pk = ? AND id = ? AND ${live}`),
      purge: db.prepare(
        `DELETE FROM ${this.table} WHERE pk = ? AND id = ? AND expires_at IS NOT NULL AND expires_at <= ?`,
      ),
      insertBody: db.prepare(
        this.excluded.length > 0
          ? `INSERT INTO ${bodies} (body, text_at, text) VALUES (?, ?, ?)`
          : 'SELECT NULL WHERE ? AND ? AND ?',
      ),
      deleteBody: db.prepare(
        this.excluded.length > 0 ? `DELETE FROM ${bodies} WHERE rowid = ?` : 'SELECT NULL WHERE ?',
      ),
      // Expired rows too: an upsert onto one updates it (its triggers move its elements).
      exists: db.prepare(`SELECT 1 AS found FROM ${this.table} WHERE pk = ? AND id = ?`),
      // Each value goes in as JSON and comes out through json_extract: exactly what json_each
      // and json_extract give the update and delete triggers that take the row out again (a lone
      // surrogate, a date, a number too large for JSON all read back as they do there).
      addElement: db.prepare(
        !this.sortField && this.arrays.length > 0
          ? `INSERT OR IGNORE INTO ${elementsTable(definition.name)} (pk, field, value, id)
               SELECT ?, ?, v, ? FROM (SELECT json_extract(?, '$') AS v) WHERE v IS NOT NULL`
          : 'SELECT NULL WHERE ?',
      ),
      // What a sorted item's search row was made of: its seq, and its sort and array fields as JSON.
      searchOf: db.prepare(
        this.sortField
          ? `SELECT seq, doc -> ${jsonPath(this.sortField)} AS sort${this.arrays
              .map((field, i) => `, doc -> ${jsonPath(field)} AS a${i}`)
              .join('')} FROM ${this.table} WHERE pk = ? AND id = ?`
          : 'SELECT NULL WHERE ? AND ?',
      ),
      // Taken by an item, or by a search row no item holds: one an older process still writing
      // after this build's start left behind (it relied on a trigger this build dropped). Reused,
      // that row's words would find the new item; never reused, they find nothing.
      seqTaken: db.prepare(
        this.sortField
          ? `SELECT 1 AS taken FROM ${this.table} WHERE seq = ?1
             UNION ALL SELECT 1 FROM "f_${definition.name}_docsize" WHERE id = ?1 LIMIT 1`
          : 'SELECT NULL WHERE ?',
      ),
      addSearch: db.prepare(
        this.sortField
          ? `INSERT INTO ${searchTable(definition.name)} (rowid, tokens) VALUES (?, ?)`
          : 'SELECT NULL WHERE ? AND ?',
      ),
      removeSearch: db.prepare(
        this.sortField
          ? `DELETE FROM ${searchTable(definition.name)} WHERE rowid = ?`
          : 'SELECT NULL WHERE ?',
      ),
    };
    // The value as the document's JSON gives it (json_extract), as the counts were first filled.
    const counted = countedFieldsOf(definition);
    const k = countsTable(definition.name);
    this.countInStatements = counted.map((field) =>
      db.prepare(
        `INSERT INTO ${k} (pk, field, value, n) SELECT ?, ${sqlText(field)}, v, 1
           FROM (SELECT json_extract(?, ${jsonPath(field)}) AS v) WHERE v IS NOT NULL
           ON CONFLICT (pk, field, value) DO UPDATE SET n = n + 1`,
      ),
    );
    this.countOutStatements = counted.map((field) =>
      db.prepare(
        `UPDATE ${k} SET n = n - 1 WHERE pk = ? AND field = ${sqlText(field)}
           AND value = (SELECT json_extract(doc, ${jsonPath(field)}) FROM ${this.table} WHERE pk = ? AND id = ?)`,
      ),
    );
  }

  /**
   * The counts, kept in the write's own transaction, so they are always exact: a row's values are
   * taken out before it is overwritten (countOut) and the new document's counted in after (countIn).
   * Deletes and expiry purges keep a trigger, which costs the inserts nothing.
   */
  private countOut(pk: string, id: string): void {
    for (const statement of this.countOutStatements) statement.run(pk, pk, id);
  }

  private countIn(pk: string, doc: string): void {
    for (const statement of this.countInStatements) statement.run(pk, doc);
  }

  /**
   * A sorted item's tokens (its partition's and its elements') and where it sorts, or undefined
   * when it has no elements or no date to sort by: such an item is not found through its arrays.
   */
  private searchRow(
    pk: string,
    sort: unknown,
    arrays: readonly unknown[],
  ): { tokens: string; place: number } | undefined {
    const place = seqPlace(sort);
    if (place === undefined) return undefined;
    const tokens = new Set<string>();
    for (const [i, field] of this.arrays.entries()) {
      for (const element of elementsOf(arrays[i])) {
        const token = elementToken(field, element);
        if (token) tokens.add(token);
      }
    }
    if (tokens.size === 0) return undefined;
    return { tokens: `${partitionToken(pk)} ${[...tokens].join(' ')}`, place };
  }

  /**
   * The seq a sorted item is written with, in the caller's transaction: the one it has when its
   * sort value and elements are unchanged (nothing else to write), or a free one, with its row
   * added to the search index and its old row taken out (addSearch). Null: not indexed.
   */
  private placeInSearch(item: T, current: 'new' | 'read'): Placed {
    const row = this.searchRow(
      item.pk,
      valueAt(item, this.sortField!),
      this.arrays.map((field) => valueAt(item, field)),
    );
    if (current === 'read') {
      const before = this.stmts.searchOf.get(item.pk, item.id) as
        (Record<string, string | null> & { seq: number | null }) | undefined;
      if (before && before.seq !== null && row) {
        const parse = (json: string | null | undefined) =>
          json === null || json === undefined ? undefined : JSON.parse(json);
        const old = this.searchRow(
          item.pk,
          parse(before.sort),
          this.arrays.map((_, i) => parse(before[`a${i}`])),
        );
        if (old && old.tokens === row.tokens && old.place === row.place)
          return { seq: before.seq, existed: true };
      }
      if (before) {
        const remove = before.seq ?? undefined;
        if (!row) return { seq: null, existed: true, ...(remove !== undefined ? { remove } : {}) };
        return {
          seq: this.freeSeq(row.place, seqHash(item.pk, item.id)),
          add: row.tokens,
          existed: true,
          ...(remove !== undefined ? { remove } : {}),
        };
      }
    }
    if (!row) return { seq: null };
    return { seq: this.freeSeq(row.place, seqHash(item.pk, item.id)), add: row.tokens };
  }

  /**
   * The item's row in the search index, once its own row holds the seq (placeInSearch), and its
   * old one taken out. A trigger did the latter, but any trigger on an insert or an upsert made
   * SQLite's write of the row three times dearer (its expression indexes' JSON read again).
   */
  private addSearch(placed: Placed): void {
    if (placed.remove !== undefined) this.stmts.removeSearch.run(placed.remove);
    if (placed.add !== undefined) this.stmts.addSearch.run(placed.seq, placed.add);
  }

  /**
   * The search rows of the items without one, a page of items at a time: every item, for a search
   * index new to the file; else those an earlier build wrote meanwhile (a rollback, or an old
   * process during a deploy), which would not be found. Items with nothing to find them by are
   * passed over again, each read once.
   */
  fillSearch(): void {
    const next = this.db.prepare(
      `SELECT pk, id, doc FROM ${this.table} WHERE (pk, id) > (?, ?) AND seq IS NULL ORDER BY pk, id LIMIT 500`,
    );
    const setSeq = this.db.prepare(`UPDATE ${this.table} SET seq = ? WHERE pk = ? AND id = ?`);
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = next.all(...after) as Array<{ pk: string; id: string; doc: string }>;
      for (const row of rows) {
        const placed = this.placeInSearch({ ...(JSON.parse(row.doc) as T), pk: row.pk, id: row.id }, 'new');
        if (placed.seq === null) continue;
        setSeq.run(placed.seq, row.pk, row.id);
        this.addSearch(placed);
      }
      const last = rows.at(-1);
      if (!last || rows.length < 500) return;
      after = [last.pk, last.id];
    }
  }

  /** A free seq: the item's slot of its millisecond, else a probe of its second, else of the seconds before. */
  private freeSeq(place: number, hash: number): number {
    let seq = place + (hash % SLOTS_PER_MS);
    let second = Math.floor(place / SECOND_SPAN) * SECOND_SPAN;
    let probe = hash;
    for (;;) {
      for (let n = 0; n < PROBES_PER_SECOND; n++) {
        if (this.stmts.seqTaken.get(seq) === undefined) return seq;
        probe = (Math.imul(probe ^ (probe >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
        seq = second + (probe % SLOTS_PER_SECOND);
      }
      second -= SECOND_SPAN;
      seq = second + (probe % SLOTS_PER_SECOND);
    }
  }

  /**
   * A new item's array elements into the index table, in the caller's transaction: what an insert
   * trigger did, with the values already in hand. The trigger read them back out of the document
   * with json_each, twice the cost of the rows themselves (a ledger entry has a dozen search
   * words). Updates and deletes keep their triggers, which need the old document.
   */
  private addElements(item: T): void {
    if (this.arrays.length === 0 || this.sortField) return;
    for (const field of this.arrays) {
      for (const element of elementsOf(valueAt(item, field))) {
        const value = JSON.stringify(element);
        if (value !== undefined) this.stmts.addElement.run(item.pk, field, item.id, value);
      }
    }
  }

  /** An upsert: the row's write, and a new item's elements (an existing one's are moved by its trigger). */
  private upsertRow(item: T): string {
    const etag = ETAG();
    const [doc, body] = this.stored(item);
    if (this.sortField) {
      const placed = this.placeInSearch(item, 'read');
      if (placed.existed) this.countOut(item.pk, item.id);
      this.stmts.upsert.run(item.pk, item.id, etag, this.expiresAt(item), doc, body, placed.seq);
      this.addSearch(placed);
    } else {
      this.countOut(item.pk, item.id);
      const existed = this.arrays.length > 0 && this.stmts.exists.get(item.pk, item.id) !== undefined;
      this.stmts.upsert.run(item.pk, item.id, etag, this.expiresAt(item), doc, body);
      if (this.arrays.length > 0 && !existed) this.addElements(item);
    }
    this.countIn(item.pk, doc);
    return etag;
  }

  /**
   * The document as stored, with its excluded fields written to the bodies' table (inside the
   * caller's transaction) and the row that holds them, or null when it has none.
   */
  private stored(item: T): [string, number | bigint | null] {
    if (this.excluded.length === 0) return [JSON.stringify(item), null];
    const rest: Record<string, unknown> = { ...(item as unknown as Record<string, unknown>) };
    const extra: Record<string, unknown> = {};
    let any = false;
    for (const field of this.excluded) {
      if (!(field in rest)) continue;
      extra[field] = rest[field];
      delete rest[field];
      any = true;
    }
    if (!any) return [JSON.stringify(rest), null];
    const body = this.stmts.insertBody.run(...splitText(extra)).lastInsertRowid;
    return [JSON.stringify(rest), body];
  }

  private parse(row: Row): T {
    const value = JSON.parse(row.doc) as T;
    if (row.body) return Object.assign(value, joinText(row.body, row.text_at, row.text));
    return row.extra ? Object.assign(value, JSON.parse(row.extra) as object) : value;
  }

  private expiresAt(item: T): number | null {
    const ttl = item.ttl ?? this.definition.defaultTtlSeconds;
    if (this.definition.defaultTtlSeconds === undefined || ttl === undefined || ttl === -1) return null;
    return this.now() + ttl * 1000;
  }

  async read(pk: string, id: string): Promise<Versioned<T> | undefined> {
    flushCreates(this.db);
    const row = this.stmts.read.get(pk, id, this.now()) as Row | undefined;
    return row ? { value: this.parse(row), etag: row.etag } : undefined;
  }

  /** Written with the other creates of this turn of the event loop (pendingCreates). */
  create(item: T): Promise<Versioned<T>> {
    return new Promise((resolve, reject) => {
      let batch = pendingCreates.get(this.db);
      if (!batch) {
        pendingCreates.set(this.db, (batch = []));
        setImmediate(() => flushCreates(this.db));
      }
      batch.push({
        write: () => this.insert(item) as Versioned<Doc>,
        resolve: resolve as (written: Versioned<Doc>) => void,
        reject,
      });
    });
  }

  /** One create, inside the caller's transaction. */
  private insert(item: T): Versioned<T> {
    // An expired row still holds the key until it is purged; it no longer exists for callers.
    this.purgeExpired(item.pk, item.id);
    const etag = ETAG();
    const [doc, body] = this.stored(item);
    try {
      if (this.sortField) {
        const placed = this.placeInSearch(item, 'new');
        this.stmts.insert.run(item.pk, item.id, etag, this.expiresAt(item), doc, body, placed.seq);
        this.addSearch(placed);
      } else {
        this.stmts.insert.run(item.pk, item.id, etag, this.expiresAt(item), doc, body);
        this.addElements(item);
      }
      this.countIn(item.pk, doc);
    } catch (error) {
      if (body !== null) this.stmts.deleteBody.run(body);
      if (isConflict(error)) {
        throw new AppError('store.conflict', `${this.definition.name} item ${item.id} already exists`, {
          cause: error,
          context: { container: this.definition.name, id: item.id },
        });
      }
      throw error;
    }
    return { value: item, etag };
  }

  async upsert(item: T): Promise<Versioned<T>> {
    flushCreates(this.db);
    const write = () => ({ value: item, etag: this.upsertRow(item) });
    // The body's row, the elements' rows or the counts, and the item's go in together.
    return this.excluded.length > 0 || this.arrays.length > 0 || this.countInStatements.length > 0
      ? this.transaction(write)
      : write();
  }

  async upsertMany(items: readonly T[]): Promise<void> {
    flushCreates(this.db);
    if (items.length === 0) return;
    this.transaction(() => {
      for (const item of items) this.upsertRow(item);
    });
  }

  async replace(item: T, options: WriteOptions = {}): Promise<Versioned<T>> {
    flushCreates(this.db);
    return this.transaction(() => {
      // One moment for the read and the write: an item that expired in between is not updated.
      const now = this.now();
      const current = this.stmts.read.get(item.pk, item.id, now) as Row | undefined;
      if (!current) {
        throw new AppError('store.not_found', `${this.definition.name} item ${item.id} does not exist`, {
          context: { container: this.definition.name, id: item.id },
        });
      }
      this.checkEtag(current, item.id, options);
      const etag = ETAG();
      const [doc, body] = this.stored(item);
      this.countOut(item.pk, item.id);
      if (this.sortField) {
        const placed = this.placeInSearch(item, 'read');
        this.stmts.update.run(etag, this.expiresAt(item), doc, body, placed.seq, item.pk, item.id, now);
        this.addSearch(placed);
      } else {
        this.stmts.update.run(etag, this.expiresAt(item), doc, body, item.pk, item.id, now);
      }
      this.countIn(item.pk, doc);
      return { value: item, etag };
    });
  }

  async delete(pk: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    flushCreates(this.db);
    return this.transaction(() => {
      const current = this.stmts.read.get(pk, id, this.now()) as Row | undefined;
      if (!current) return false;
      this.checkEtag(current, id, options);
      this.stmts.delete.run(pk, id, this.now());
      return true;
    });
  }

  async query(pk: string, options: QueryOptions = {}): Promise<Page<T>> {
    flushCreates(this.db);
    const limit = pageSize(options.limit);
    const sorted =
      this.sortField !== undefined &&
      options.orderBy?.field === this.sortField &&
      (options.filters ?? []).some((f) => f.op === 'contains' && this.arrays.includes(f.field));
    if (sorted) return this.querySorted(pk, options, limit);
    const { where, params } = this.where(pk, options.filters);
    const order = options.orderBy;
    const sortExpr = order ? `json_extract(doc, ${jsonPath(order.field)})` : undefined;
    const desc = order?.direction === 'desc';

    if (options.continuation) {
      const after = decodeToken(options.continuation);
      // Keyset paging: items written between pages neither repeat nor shift the rest.
      if (sortExpr) {
        // The first bound alone lets SQLite seek the sort field's index to the page instead of
        // walking it from the top past every earlier page; the pair then drops the ties already seen.
        where.push(`${sortExpr} ${desc ? '<=' : '>='} ?`, `(${sortExpr}, id) ${desc ? '<' : '>'} (?, ?)`);
        params.push(after[0] as SQLInputValue, after[0] as SQLInputValue, after[1] as SQLInputValue);
      } else {
        where.push('id > ?');
        params.push(after[0] as SQLInputValue);
      }
    }
    // Filtered through the array index: its matching items are read and sorted (`+` keeps SQLite
    // from walking the sort field's index over the whole partition). Ordered by the container's
    // arraySortField, the sorted elements' index gives the page itself (querySorted).
    const byElements = (options.filters ?? []).some(
      (f) => f.op === 'contains' && this.definition.arrayQueryFields?.includes(f.field),
    );
    const unindexed = byElements ? '+' : '';
    const orderSql = sortExpr
      ? `${unindexed}${sortExpr} ${desc ? 'DESC' : 'ASC'}, ${unindexed}id ${desc ? 'DESC' : 'ASC'}`
      : 'id ASC';
    const rows = statement(
      this.db,
      `SELECT ${this.columns}, id FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY ${orderSql} LIMIT ?`,
    ).all(...params, limit + 1) as unknown as Array<Row & { id: string }>;

    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const page: Page<T> = {
      items: pageRows.map((r) => ({ value: this.parse(r), etag: r.etag })),
    };
    const last = page.items.at(-1);
    if (more && last) {
      // The sort key from the parsed item, as SQLite compares it (booleans are 1 and 0 there):
      // extracting it in SQL would parse every row's document once more.
      const key = order ? valueAt(last.value, order.field) : undefined;
      page.continuation = encodeToken(
        order ? [typeof key === 'boolean' ? Number(key) : (key ?? null), last.value.id] : [last.value.id],
      );
    }
    return page;
  }

  /**
   * A page of the items holding array elements, in the order of the container's arraySortField:
   * read from the search index (searchTable) in rowid order from the page's start, each item
   * joined as it comes, the other filters checked on it, until the page is full. Every `contains`
   * on the array fields is one term of the same search. Ties within a millisecond come in the
   * order of their slots; the continuation is the last item's seq.
   */
  private querySorted(pk: string, options: QueryOptions, limit: number): Page<T> {
    const desc = options.orderBy?.direction === 'desc';
    const { search, rest } = this.searchOf(pk, options.filters ?? []);
    if (search === undefined) return { items: [] };
    const { where, params } = this.where(pk, rest);
    if (options.continuation) {
      const after = decodeToken(options.continuation);
      if (after.length !== 1 || typeof after[0] !== 'number')
        throw new AppError('store.invalid_query', 'continuation token is not valid');
      where.push(`f.rowid ${desc ? '<' : '>'} ?`);
      params.push(after[0]);
    }
    const f = searchTable(this.definition.name);
    const rows = statement(
      this.db,
      `SELECT ${this.columns}, seq FROM ${f} AS f JOIN ${this.table} ON seq = f.rowid
       WHERE ${f} MATCH ? AND ${where.join(' AND ')} ORDER BY f.rowid ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
    ).all(search, ...params, limit + 1) as unknown as Array<Row & { seq: number }>;
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const last = pageRows.at(-1);
    const page: Page<T> = {
      items: pageRows.map((r) => ({ value: this.parse(r), etag: r.etag })),
    };
    if (more && last) page.continuation = encodeToken([last.seq]);
    return page;
  }

  /**
   * A sorted container's `contains` filters on its array fields as one FTS5 query (its tokens
   * joined by AND, the partition's first), and the other filters; no query when one of them can
   * match nothing (a null element is not indexed).
   */
  private searchOf(pk: string, filters: readonly Filter[]): { search: string | undefined; rest: Filter[] } {
    const tokens = [partitionToken(pk)];
    const rest: Filter[] = [];
    let none = false;
    for (const filter of filters) {
      if (filter.op !== 'contains' || !this.arrays.includes(filter.field)) {
        rest.push(filter);
        continue;
      }
      const token = elementToken(filter.field, filter.value);
      if (token === undefined) none = true;
      else tokens.push(token);
    }
    return { search: none ? undefined : tokens.join(' AND '), rest };
  }

  async count(pk: string, filters?: readonly Filter[]): Promise<number> {
    flushCreates(this.db);
    const only = filters?.length === 1 ? filters[0] : undefined;
    if (
      only?.op === '=' &&
      only.value !== null &&
      this.definition.defaultTtlSeconds === undefined &&
      this.definition.countedFields?.includes(only.field)
    ) {
      const row = statement(
        this.db,
        `SELECT n FROM ${countsTable(this.definition.name)} WHERE pk = ? AND field = ? AND value = ?`,
      ).get(pk, only.field, bind(only.value)) as { n: number } | undefined;
      return row?.n ?? 0;
    }
    const { where, params } = this.where(pk, filters);
    const row = statement(
      this.db,
      `SELECT COUNT(*) AS n FROM ${this.table} WHERE ${where.join(' AND ')}`,
    ).get(...params) as {
      n: number;
    };
    return row.n;
  }

  private where(pk: string, filters: readonly Filter[] = []): { where: string[]; params: SQLInputValue[] } {
    // Items of a container without TTL never expire: no liveness test, so that a count or a filter
    // answers from its index alone instead of reading every item's row for `expires_at`.
    if (this.definition.defaultTtlSeconds === undefined) return this.filtersOf(pk, ['pk = ?'], [pk], filters);
    return this.filtersOf(
      pk,
      ['pk = ?', '(expires_at IS NULL OR expires_at > ?)'],
      [pk, this.now()],
      filters,
    );
  }

  private filtersOf(
    pk: string,
    where: string[],
    params: SQLInputValue[],
    filters: readonly Filter[],
  ): { where: string[]; params: SQLInputValue[] } {
    for (const filter of filters) {
      // `id` is a column (the key), so filtering on it uses the primary key index.
      const expr = filter.field === 'id' ? 'id' : `json_extract(doc, ${jsonPath(filter.field)})`;
      if (filter.op === 'contains') {
        if (this.sortField && this.arrays.includes(filter.field)) {
          const { search } = this.searchOf(pk, [filter]);
          const f = searchTable(this.definition.name);
          where.push(search === undefined ? '0' : `seq IN (SELECT rowid FROM ${f} WHERE ${f} MATCH ?)`);
          if (search !== undefined) params.push(search);
        } else if (this.arrays.includes(filter.field)) {
          where.push(
            `id IN (SELECT id FROM ${elementsTable(this.definition.name)} WHERE pk = ? AND field = ? AND value = ?)`,
          );
          params.push(pk, filter.field, bind(filter.value));
        } else {
          where.push(`EXISTS (SELECT 1 FROM json_each(doc, ${jsonPath(filter.field)}) WHERE value = ?)`);
          params.push(bind(filter.value));
        }
        continue;
      }
      if (filter.op === 'in') {
        if (filter.value.length === 0) {
          where.push('0');
          continue;
        }
        where.push(`${expr} IN (${filter.value.map(() => '?').join(', ')})`);
        params.push(...filter.value.map(bind));
      } else if (filter.value === null) {
        where.push(filter.op === '!=' ? `${expr} IS NOT NULL` : `${expr} IS NULL`);
      } else {
        where.push(`${expr} ${filter.op === '!=' ? '<>' : filter.op} ?`);
        params.push(bind(filter.value));
      }
    }
    return { where, params };
  }

  private checkEtag(current: Row, id: string, options: WriteOptions): void {
    if (options.ifMatch !== undefined && options.ifMatch !== current.etag) {
      throw new AppError(
        'store.precondition_failed',
        `${this.definition.name} item ${id} was changed by someone else`,
        {
          context: { container: this.definition.name, id },
        },
      );
    }
  }

  private purgeExpired(pk: string, id: string): void {
    // Items of a container without TTL never expire: nothing to purge (and no statement to run).
    if (this.definition.defaultTtlSeconds === undefined) return;
    this.stmts.purge.run(pk, id, this.now());
  }

  private transaction<R>(work: () => R): R {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}

export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  private readonly now: () => number;
  private readonly definitions = new Map<string, ContainerDefinition>();
  private sweeper?: NodeJS.Timeout;
  private readonly options: SqliteStoreOptions;
  private readonly checkpointer?: WalCheckpointer;

  constructor(options: SqliteStoreOptions) {
    this.options = options;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    // Before the log mode: a new file's pages are PAGE_SIZE; an existing one keeps its own.
    this.db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;`);
    this.now = options.now ?? Date.now;
    const threaded = options.path !== ':memory:' && options.backgroundCheckpoints !== false;
    const backstop = options.walBackstopPages ?? WAL_BACKSTOP_PAGES;
    if (!Number.isInteger(backstop) || backstop < 1)
      throw new RangeError(`walBackstopPages must be a positive integer, got ${backstop}`);
    const { page_size: pageSize } = this.db.prepare('PRAGMA page_size').get() as { page_size: number };
    // SQLite checkpoints at 1,000 pages of log by itself; with the thread, the writer at the backstop.
    const checkpointAt = (pages: number) =>
      this.db.exec(
        `PRAGMA wal_autocheckpoint = ${pages}; PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BACKSTOPS * pages * pageSize};`,
      );
    checkpointAt(threaded ? backstop : 1000);
    if (threaded) {
      this.checkpointer = new WalCheckpointer(options.path, () => {
        // SQLite's own checkpoints again, so the log cannot grow without end.
        if (this.db.isOpen) checkpointAt(1000);
      });
    }
  }

  async init(definitions: readonly ContainerDefinition[]): Promise<void> {
    for (const definition of definitions) {
      const t = table(definition.name);
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${t} (
           pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, expires_at INTEGER, doc TEXT NOT NULL,
           extra TEXT, body_ref INTEGER, PRIMARY KEY (pk, id)
         ) WITHOUT ROWID`,
      );
      // A database made before bodies had a place of their own: its rows keep them in `doc` (or
      // `extra`), where they are read as before, until each is written again.
      this.addColumns(`c_${definition.name}`, [
        ['extra', 'TEXT'],
        ['body_ref', 'INTEGER'],
      ]);
      if (excludedFields(definition).length > 0) this.keepBodies(t, definition.name);
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS "ix_${definition.name}_expires" ON ${t} (expires_at) WHERE expires_at IS NOT NULL`,
      );
      this.indexFields(t, definition);
      // The trigger and the count go in together or not at all; before the arrays' index, whose
      // fill makes a collection, which prepares its statements on the counts' table.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        this.countFields(t, definition);
        this.db.exec('COMMIT');
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
      this.indexArrays(definition);
      this.definitions.set(definition.name, definition);
    }
    const interval = this.options.purgeIntervalMs ?? 60_000;
    if (interval > 0 && !this.sweeper) {
      this.sweeper = setInterval(() => this.purgeAllExpired(), interval);
      this.sweeper.unref();
    }
  }

  /**
   * An index per query field and per composite, on the fields' values in the document. Any other
   * index of the table on the document's values goes (one an earlier build made for a field no
   * longer queried, or one made by hand), as every insert would still write it.
   */
  private indexFields(t: string, definition: ContainerDefinition): void {
    const wanted = new Set<string>();
    for (const field of definition.queryFields ?? []) {
      const name = `ix_${definition.name}_${field.replaceAll('.', '_')}`;
      wanted.add(name);
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS "${name}" ON ${t} (pk, json_extract(doc, ${jsonPath(field)}), id)`,
      );
    }
    for (const fields of definition.compositeIndexes ?? []) {
      const name = `ix_${definition.name}_${fields.join('_')}`.replaceAll('.', '_');
      wanted.add(name);
      const columns = fields.map((f) => `json_extract(doc, ${jsonPath(f)})`).join(', ');
      this.db.exec(`CREATE INDEX IF NOT EXISTS "${name}" ON ${t} (pk, ${columns}, id)`);
    }
    const made = this.db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql LIKE '%json_extract(doc,%'`,
      )
      .all(`c_${definition.name}`)
      .map((row) => String(row.name));
    // SQLite's names ignore case: an index wanted under another case is the same index.
    const kept = new Set([...wanted].map((name) => name.toLowerCase()));
    for (const name of made) {
      if (!kept.has(name.toLowerCase())) this.db.exec(`DROP INDEX IF EXISTS "${name.replaceAll('"', '""')}"`);
    }
  }

  /**
   * The columns an existing table made by an earlier build lacks, added in one transaction that
   * looks again once it holds the write lock: two processes opening the file at once would
   * otherwise both add a column (the second failing on it), and a process stopped between two
   * additions would leave a table that a look for the first column took for done. A table not
   * there yet is left to its CREATE.
   */
  private addColumns(name: string, columns: ReadonlyArray<readonly [column: string, type: string]>): void {
    const missing = () => {
      const present = this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(name);
      if (present.length === 0) return [];
      return columns.filter(([column]) => !present.some((c) => c.name === column));
    };
    if (missing().length === 0) return;
    const add = () => {
      for (const [column, type] of missing())
        this.db.exec(`ALTER TABLE "${name.replaceAll('"', '""')}" ADD COLUMN ${column} ${type}`);
    };
    // Inside the caller's transaction, which holds the lock already.
    if (this.db.isTransaction) return add();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      add();
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * The bodies' table (bodiesTable): a body's row goes when its item does, or when the item is
   * written again with a body of its own (purges of expired items included, by the same triggers).
   */
  private keepBodies(t: string, name: string): void {
    const b = bodiesTable(name);
    // A table made before bodies' text was kept apart (splitText): its rows are read as they are.
    // `text_at` before `text`: a row's columns are read in order, and `text` is overflow pages.
    this.addColumns(`b_${name}`, [
      ['text_at', 'TEXT'],
      ['text', 'TEXT'],
    ]);
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${b} (body TEXT NOT NULL, text_at TEXT, text TEXT);
       CREATE TRIGGER IF NOT EXISTS "tb_${name}_upd" AFTER UPDATE OF body_ref ON ${t}
         WHEN OLD.body_ref IS NOT NULL AND OLD.body_ref IS NOT NEW.body_ref
         BEGIN DELETE FROM ${b} WHERE rowid = OLD.body_ref; END;
       CREATE TRIGGER IF NOT EXISTS "tb_${name}_del" AFTER DELETE ON ${t} WHEN OLD.body_ref IS NOT NULL
         BEGIN DELETE FROM ${b} WHERE rowid = OLD.body_ref; END;`,
    );
  }

  /**
   * Array elements into an index table: a new item's rows written with it (addElements), then kept
   * by triggers through updates, deletes and expiry purges; a field new to the definition is filled
   * from the rows there are.
   */
  private indexArrays(definition: ContainerDefinition): void {
    const fields = definition.arrayQueryFields ?? [];
    if (fields.length === 0) return;
    const t = table(definition.name);
    const e = elementsTable(definition.name);
    if (definition.arraySortField) {
      // The search index serves every query through the arrays: one index to keep, not two, as
      // every new item writes each of its elements. What earlier builds kept goes.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const field of fields) {
          for (const prefix of ['tr', 'to']) {
            const name = `${prefix}_${definition.name}_${field.replaceAll('.', '_')}`;
            this.db.exec(
              `DROP TRIGGER IF EXISTS "${name}_ins"; DROP TRIGGER IF EXISTS "${name}_upd"; DROP TRIGGER IF EXISTS "${name}_del";`,
            );
          }
        }
        this.db.exec(
          `DROP TABLE IF EXISTS ${e}; DROP TABLE IF EXISTS ${sortedElementsTable(definition.name)}`,
        );
        this.indexSearch(t, definition);
        this.db.exec('COMMIT');
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
      return;
    }
    this.db.exec(
      // One b-tree only: an item's rows are found again from its own document (OLD.doc) by key.
      `CREATE TABLE IF NOT EXISTS ${e} (pk TEXT NOT NULL, field TEXT NOT NULL, value NOT NULL, id TEXT NOT NULL,
         PRIMARY KEY (pk, field, value, id)) WITHOUT ROWID;
       DROP INDEX IF EXISTS "ix_e_${definition.name}_item"`,
    );
    // The triggers and the fill of a field new to the definition go in together or not at all.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.indexArrayFields(t, e, definition.name, fields);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * The counts of each counted field's values (the collection keeps them: SqliteCollection.countIn),
   * counted from the items when the field is new to the definition, and again when an earlier
   * build's triggers are found: during a deploy they and this build's writes may both have counted
   * (a count costs a read of every item's document, about 10 µs each, so not at every start).
   */
  private countFields(t: string, definition: ContainerDefinition): void {
    const fields = countedFieldsOf(definition);
    this.forgetCounts(definition, fields);
    if (fields.length === 0) return;
    const k = countsTable(definition.name);
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${k} (pk TEXT NOT NULL, field TEXT NOT NULL, value NOT NULL, n INTEGER NOT NULL,
         PRIMARY KEY (pk, field, value)) WITHOUT ROWID`,
    );
    for (const field of fields) {
      const path = jsonPath(field);
      const name = countTriggers(definition.name, field);
      const earlier = this.hasTrigger(`${name}_ins`) || this.hasTrigger(`${name}_upd`);
      const known = this.hasTrigger(`${name}_del`);
      this.db.exec(
        `DROP TRIGGER IF EXISTS "${name}_ins"; DROP TRIGGER IF EXISTS "${name}_upd";
         CREATE TRIGGER IF NOT EXISTS "${name}_del" AFTER DELETE ON ${t} BEGIN
           UPDATE ${k} SET n = n - 1 WHERE pk = OLD.pk AND field = ${sqlText(field)} AND value = json_extract(OLD.doc, ${path});
         END;`,
      );
      if (known && !earlier) continue;
      this.db.prepare(`DELETE FROM ${k} WHERE field = ?`).run(field);
      this.db.exec(
        `INSERT INTO ${k} (pk, field, value, n) SELECT pk, ${sqlText(field)}, json_extract(doc, ${path}) AS v, COUNT(*)
           FROM ${t} WHERE v IS NOT NULL GROUP BY pk, v`,
      );
    }
  }

  /**
   * A field no longer counted loses its trigger and its counts: left, its delete trigger would go
   * on taking items out of a count that nothing adds to, which would be wrong if it came back.
   */
  private forgetCounts(definition: ContainerDefinition, fields: readonly string[]): void {
    const prefix = countTriggers(definition.name, '');
    const kept = new Set(fields.map((field) => countTriggers(definition.name, field)));
    const triggers = this.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`)
      .all(`c_${definition.name}`)
      .map((row) => String(row.name))
      .filter((name) => name.startsWith(prefix) && !kept.has(name.replace(/_(ins|upd|del)$/, '')));
    for (const name of triggers) this.db.exec(`DROP TRIGGER IF EXISTS "${name}"`);
    const counts = this.db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
      .get(`k_${definition.name}`);
    if (counts) {
      this.db
        .prepare(
          `DELETE FROM ${countsTable(definition.name)} WHERE field NOT IN (SELECT value FROM json_each(?))`,
        )
        .run(JSON.stringify(fields));
    }
  }

  /**
   * The search index (searchTable) of a sorted container: each row's `seq`, unique, and the
   * trigger that takes an item's search row out when it is deleted (purges included); the
   * collection adds the rows and takes out those of items written with another seq (placeInSearch).
   * At every start the items without a place get one (fillSearch): all of them when the index is
   * new to the file.
   */
  private indexSearch(t: string, definition: ContainerDefinition): void {
    this.addColumns(`c_${definition.name}`, [['seq', 'INTEGER']]);
    this.db.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS "ix_${definition.name}_seq" ON ${t} (seq) WHERE seq IS NOT NULL`,
    );
    const f = searchTable(definition.name);
    const known = this.db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
      .get(`f_${definition.name}`);
    if (!known) {
      // detail=none: rowids only, no positions, as a search is of whole elements.
      this.db.exec(
        `CREATE VIRTUAL TABLE ${f} USING fts5(tokens, content='', contentless_delete=1, tokenize='ascii', detail='none');
         UPDATE ${t} SET seq = NULL WHERE seq IS NOT NULL`,
      );
    }
    new SqliteCollection(this.db, definition, this.now).fillSearch();
    this.db.exec(
      `CREATE TRIGGER IF NOT EXISTS "ts_${definition.name}_del" AFTER DELETE ON ${t} WHEN OLD.seq IS NOT NULL
         BEGIN DELETE FROM ${f} WHERE rowid = OLD.seq; END;
       DROP TRIGGER IF EXISTS "ts_${definition.name}_upd";`,
    );
  }

  private hasTrigger(name: string): boolean {
    return (
      this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?`).get(name) !==
      undefined
    );
  }

  /**
   * The elements of each array field, in `e`: a new item's rows are written by the collection
   * (SqliteCollection.addElements); an update of the document moves them and a delete (purges
   * included) takes them out, by triggers. Filled from the rows there are when the triggers are new.
   */
  private indexArrayFields(t: string, e: string, container: string, fields: readonly string[]): void {
    for (const field of fields) {
      const path = jsonPath(field);
      const quoted = sqlText(field);
      const name = `tr_${container}_${field.replaceAll('.', '_')}`;
      const add = `INSERT OR IGNORE INTO ${e} SELECT NEW.pk, ${quoted}, value, NEW.id FROM json_each(NEW.doc, ${path}) WHERE value IS NOT NULL;`;
      const remove = `DELETE FROM ${e} WHERE pk = OLD.pk AND field = ${quoted} AND id = OLD.id AND value IN (SELECT value FROM json_each(OLD.doc, ${path}));`;
      const known = this.hasTrigger(`${name}_del`);
      this.db.exec(
        `DROP TRIGGER IF EXISTS "${name}_ins";
         CREATE TRIGGER IF NOT EXISTS "${name}_upd" AFTER UPDATE OF doc ON ${t} BEGIN ${remove} ${add} END;
         CREATE TRIGGER IF NOT EXISTS "${name}_del" AFTER DELETE ON ${t} BEGIN ${remove} END;`,
      );
      if (!known) {
        this.db.exec(
          `INSERT OR IGNORE INTO ${e} SELECT t.pk, ${quoted}, j.value, t.id FROM ${t} AS t, json_each(t.doc, ${path}) AS j WHERE j.value IS NOT NULL`,
        );
      }
    }
  }

  collection<T extends Doc>(definition: ContainerDefinition): Collection<T> {
    if (!this.definitions.has(definition.name)) {
      throw new Error(`container ${definition.name} was not initialised; pass it to init() first`);
    }
    return new SqliteCollection<T>(this.db, definition, this.now);
  }

  /** Deletes expired rows; they are already invisible, this only gives the space back. */
  purgeAllExpired(): number {
    let removed = 0;
    for (const definition of this.definitions.values()) {
      if (definition.defaultTtlSeconds === undefined) continue;
      const result = this.db
        .prepare(`DELETE FROM ${table(definition.name)} WHERE expires_at IS NOT NULL AND expires_at <= ?`)
        .run(this.now());
      removed += Number(result.changes);
    }
    return removed;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.db.isOpen) flushCreates(this.db);
    // Its connection first: the last one to close checkpoints the log into the file and removes it.
    await this.checkpointer?.stop();
    if (this.db.isOpen) this.db.close();
  }
}
