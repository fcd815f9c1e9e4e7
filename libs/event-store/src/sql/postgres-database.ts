import { Pool, PoolClient, PoolConfig } from 'pg';
import { SqlDatabase, SqlDialect, SqlExecutor } from './sql-database';

export interface PostgresDatabaseOptions {
  readonly connectionString: string;
  /**
   * Created if missing and put first on every connection's `search_path`, so tests (or tenants)
   * can live side by side in one database.
   */
  readonly schema?: string;
  /** Pool size; defaults to 10. */
  readonly max?: number;
  readonly pool?: Omit<PoolConfig, 'connectionString' | 'max'>;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** An executor bound to one client, which can also run named (server-side prepared) statements. */
export class PostgresExecutor implements SqlExecutor {
  readonly dialect: SqlDialect = 'postgres';

  constructor(readonly client: PoolClient) {}

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.client.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.client.query(sql, params as unknown[]);
    return result.rowCount ?? 0;
  }

  /**
   * pg parses an unnamed parameterised statement on every call; a named one is parsed once per
   * connection (pg remembers which connections have prepared which names).
   */
  async queryNamed<T = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[]): Promise<T[]> {
    const result = await this.client.query({ name, text: sql, values: params as unknown[] });
    return result.rows as T[];
  }
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect: SqlDialect = 'postgres';
  private closed = false;

  private constructor(readonly pool: Pool, readonly schema: string | undefined) {}

  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const { schema } = options;
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
      throw new Error('schema must be a plain identifier (letters, digits, underscore)');
    }
    if (schema !== undefined) {
      const setup = new Pool({ connectionString: options.connectionString, max: 1 });
      try {
        await setup.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
      } catch (error) {
        // Two processes creating the same schema at once: the loser sees a unique violation.
        if ((error as { code?: string }).code !== '23505') throw error;
      } finally {
        await setup.end();
      }
    }
    // Set at connection start-up rather than by a query on connect, so no statement of the pool's
    // can ever run before it.
    const pool = new Pool({
      ...options.pool,
      connectionString: options.connectionString,
      max: options.max ?? 10,
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    return new PostgresDatabase(pool, schema);
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rowCount ?? 0;
  }

  /**
   * Like `PostgresExecutor.queryNamed`, on whichever pooled connection is free. `array`: each row
   * as an array of its columns in select order (no object keyed by column name per row).
   */
  async queryNamed<T = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[], rowMode?: 'array'): Promise<T[]> {
    const result = await this.pool.query({ name, text: sql, values: params as unknown[], ...(rowMode ? { rowMode } : {}) });
    return result.rows as T[];
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.transactionWith(fn);
  }

  /**
   * Like `transaction`, with a `PostgresExecutor`. `begin` may add statements to the BEGIN round
   * trip (e.g. taking an advisory lock) as one simple-protocol query.
   */
  async transactionWith<T>(fn: (tx: PostgresExecutor) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query(begin);
      const result = await fn(new PostgresExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError;
      }
      throw error;
    } finally {
      // A client whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
