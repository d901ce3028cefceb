import type {
  Container,
  CosmosClient,
  Database,
  ItemDefinition,
  SqlParameter,
  SqlQuerySpec,
} from '@azure/cosmos';
import { AppError, isNetworkError } from '../errors/app-error.ts';
import {
  type Collection,
  type ContainerDefinition,
  type Doc,
  type Filter,
  fieldPath,
  type Page,
  pageSize,
  type QueryOptions,
  type Store,
  type Versioned,
  type WriteOptions,
} from './store.port.ts';

/**
 * Azure Cosmos DB (NoSQL API) adapter. Written to what real Cosmos does; the local test peer
 * (@vercel/cosmosdb-server) lacks TTL enforcement, so expiry is exercised only on the embedded
 * adapter, and this code relies on Cosmos' own `ttl` handling.
 */
export interface CosmosStoreOptions {
  client: CosmosClient;
  database: string;
  /**
   * True where the client may create databases and containers (key auth, local server).
   * With Entra ID (data-plane RBAC) Cosmos refuses management operations: the Bicep creates the
   * containers, and init() only checks that each one exists.
   */
  manageContainers: boolean;
}

/** Parallel single writes for upsertMany; the SDK retries 429s itself. */
const UPSERT_MANY_CONCURRENCY = 16;

const SYSTEM_FIELDS = ['_rid', '_self', '_etag', '_attachments', '_ts'] as const;

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function translate(error: unknown, container: string, id?: string): unknown {
  const status = statusOf(error);
  const context = { container, ...(id ? { id } : {}), status };
  switch (status) {
    case 404:
      return new AppError('store.not_found', `${container} item ${id ?? ''} does not exist`, {
        cause: error,
        context,
      });
    case 409:
      return new AppError('store.conflict', `${container} item ${id ?? ''} already exists`, {
        cause: error,
        context,
      });
    case 412:
      return new AppError(
        'store.precondition_failed',
        `${container} item ${id ?? ''} was changed by someone else`,
        {
          cause: error,
          context,
        },
      );
    case 413:
      return new AppError('store.too_large', `${container} item ${id ?? ''} is larger than Cosmos DB takes`, {
        cause: error,
        context,
      });
    case 429:
      return new AppError('store.throttled', 'Cosmos DB is throttling requests (429)', {
        cause: error,
        context,
      });
    case 408:
    case 503:
      return new AppError('store.unavailable', `Cosmos DB is unavailable (${status})`, {
        cause: error,
        context,
      });
    default: {
      if (isNetworkError(error)) {
        const errno = String((error as { code?: unknown }).code);
        return new AppError('store.unavailable', `Cosmos DB cannot be reached (${errno})`, {
          cause: error,
          context,
        });
      }
      return error;
    }
  }
}

function clean<T>(resource: ItemDefinition): T {
  const value: Record<string, unknown> = { ...resource };
  for (const field of SYSTEM_FIELDS) delete value[field];
  return value as T;
}

function ref(field: string): string {
  return `c${fieldPath(field)
    .map((part) => `["${part}"]`)
    .join('')}`;
}

function whereClause(
  pk: string,
  filters: readonly Filter[] = [],
): { text: string; parameters: SqlParameter[] } {
  const clauses = ['c.pk = @pk'];
  const parameters: SqlParameter[] = [{ name: '@pk', value: pk }];
  filters.forEach((filter, index) => {
    const name = `@p${index}`;
    if (filter.op === 'contains') {
      clauses.push(`ARRAY_CONTAINS(${ref(filter.field)}, ${name})`);
      parameters.push({ name, value: filter.value });
    } else if (filter.op === 'in') {
      clauses.push(`ARRAY_CONTAINS(${name}, ${ref(filter.field)})`);
      parameters.push({ name, value: [...filter.value] });
    } else if (filter.value === null) {
      clauses.push(
        filter.op === '!='
          ? `(IS_DEFINED(${ref(filter.field)}) AND NOT IS_NULL(${ref(filter.field)}))`
          : `(NOT IS_DEFINED(${ref(filter.field)}) OR IS_NULL(${ref(filter.field)}))`,
      );
    } else {
      clauses.push(`${ref(filter.field)} ${filter.op} ${name}`);
      parameters.push({ name, value: filter.value });
    }
  });
  return { text: clauses.join(' AND '), parameters };
}

class CosmosCollection<T extends Doc> implements Collection<T> {
  private readonly container: Container;
  private readonly name: string;

  constructor(container: Container, name: string) {
    this.container = container;
    this.name = name;
  }

  async read(pk: string, id: string): Promise<Versioned<T> | undefined> {
    try {
      const response = await this.container.item(id, pk).read<ItemDefinition>();
      if (!response.resource) return undefined;
      return { value: clean<T>(response.resource), etag: response.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw translate(error, this.name, id);
    }
  }

  async create(item: T): Promise<Versioned<T>> {
    try {
      const response = await this.container.items.create(item);
      return { value: item, etag: response.etag };
    } catch (error) {
      throw translate(error, this.name, item.id);
    }
  }

  async upsert(item: T): Promise<Versioned<T>> {
    try {
      const response = await this.container.items.upsert(item);
      return { value: item, etag: response.etag };
    } catch (error) {
      throw translate(error, this.name, item.id);
    }
  }

  /** Cosmos has no multi-item transaction across ids; these are independent upserts, a few at a time. */
  async upsertMany(items: readonly T[]): Promise<void> {
    for (let i = 0; i < items.length; i += UPSERT_MANY_CONCURRENCY) {
      await Promise.all(items.slice(i, i + UPSERT_MANY_CONCURRENCY).map((item) => this.upsert(item)));
    }
  }

  async replace(item: T, options: WriteOptions = {}): Promise<Versioned<T>> {
    try {
      const response = await this.container
        .item(item.id, item.pk)
        .replace(
          item,
          options.ifMatch ? { accessCondition: { type: 'IfMatch', condition: options.ifMatch } } : {},
        );
      return { value: item, etag: response.etag };
    } catch (error) {
      throw translate(error, this.name, item.id);
    }
  }

  async delete(pk: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    try {
      await this.container
        .item(id, pk)
        .delete(options.ifMatch ? { accessCondition: { type: 'IfMatch', condition: options.ifMatch } } : {});
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw translate(error, this.name, id);
    }
  }

  async query(pk: string, options: QueryOptions = {}): Promise<Page<T>> {
    const where = whereClause(pk, options.filters);
    const order = options.orderBy
      ? ` ORDER BY ${ref(options.orderBy.field)} ${options.orderBy.direction === 'desc' ? 'DESC' : 'ASC'}`
      : '';
    const spec: SqlQuerySpec = {
      query: `SELECT * FROM c WHERE ${where.text}${order}`,
      parameters: where.parameters,
    };
    try {
      const response = await this.container.items
        .query<ItemDefinition>(spec, {
          partitionKey: pk,
          maxItemCount: pageSize(options.limit),
          ...(options.continuation ? { continuationToken: options.continuation } : {}),
        })
        .fetchNext();
      const page: Page<T> = {
        items: response.resources.map((resource) => ({
          value: clean<T>(resource),
          etag: String(resource._etag),
        })),
      };
      if (response.hasMoreResults && response.continuationToken)
        page.continuation = response.continuationToken;
      return page;
    } catch (error) {
      throw translate(error, this.name);
    }
  }

  async count(pk: string, filters?: readonly Filter[]): Promise<number> {
    const where = whereClause(pk, filters);
    try {
      const response = await this.container.items
        .query<number>(
          { query: `SELECT VALUE COUNT(1) FROM c WHERE ${where.text}`, parameters: where.parameters },
          {
            partitionKey: pk,
          },
        )
        .fetchAll();
      return response.resources[0] ?? 0;
    } catch (error) {
      throw translate(error, this.name);
    }
  }
}

export class CosmosStore implements Store {
  private readonly database: Database;
  private readonly containers = new Map<string, Container>();
  private readonly options: CosmosStoreOptions;

  constructor(options: CosmosStoreOptions) {
    this.options = options;
    this.database = options.client.database(options.database);
  }

  async init(definitions: readonly ContainerDefinition[]): Promise<void> {
    if (this.options.manageContainers) {
      await this.options.client.databases.createIfNotExists({ id: this.options.database });
    }
    const missing: string[] = [];
    for (const definition of definitions) {
      const container = this.database.container(definition.name);
      if (this.options.manageContainers) {
        await this.database.containers.createIfNotExists({
          id: definition.name,
          partitionKey: { paths: [definition.partitionKeyPath] },
          ...(definition.defaultTtlSeconds !== undefined ? { defaultTtl: definition.defaultTtlSeconds } : {}),
          indexingPolicy: {
            indexingMode: 'consistent',
            automatic: true,
            includedPaths: [{ path: '/*' }],
            excludedPaths: [
              { path: '/"_etag"/?' },
              ...(definition.excludedPaths ?? []).map((path) => ({ path })),
            ],
          },
        });
      } else {
        try {
          await container.read();
        } catch (error) {
          if (statusOf(error) !== 404) throw translate(error, definition.name);
          missing.push(definition.name);
        }
      }
      this.containers.set(definition.name, container);
    }
    if (missing.length > 0) {
      throw new AppError(
        'store.unavailable',
        `Cosmos DB database ${this.options.database} lacks the containers ${missing.join(', ')}; ` +
          'deploy infra/azure.bicep, which creates them with their partition keys and TTLs',
        { context: { missing } },
      );
    }
  }

  collection<T extends Doc>(definition: ContainerDefinition): Collection<T> {
    const container = this.containers.get(definition.name);
    if (!container)
      throw new Error(`container ${definition.name} was not initialised; pass it to init() first`);
    return new CosmosCollection<T>(container, definition.name);
  }

  async ping(): Promise<void> {
    try {
      await this.database.read();
    } catch (error) {
      throw translate(error, 'database');
    }
  }

  async close(): Promise<void> {
    this.options.client.dispose();
  }
}
