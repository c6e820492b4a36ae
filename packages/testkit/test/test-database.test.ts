import { afterEach, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '../src/index.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

describe('startTestDatabase', () => {
  it('gives each caller a schema of its own', async () => {
    database = await startTestDatabase();
    const other = await startTestDatabase();
    try {
      expect(other.schema).not.toBe(database.schema);
      await database.sql`create table things (id int primary key)`;
      await database.sql`insert into things values (1)`;
      const rows = await database.sql<{ schema: string }[]>`
        select table_schema as schema from information_schema.tables where table_name = 'things'`;
      expect(rows.map((row) => row.schema)).toEqual([database.schema]);
      await expect(other.sql`select * from things`).rejects.toThrow(/things/);
    } finally {
      await other.close();
    }
  });

  it('runs the same SQL on the embedded PGlite a machine without a server falls back to', async () => {
    database = await startTestDatabase({ embedded: true });
    expect(database.kind).toBe('pglite');
    await database.sql`create type mood as enum ('ok', 'fine')`;
    await database.sql`create table feelings (id int, mood mood)`;
    await database.sql.begin(async (tx) => {
      await tx`insert into feelings values (1, 'ok')`;
    });
    await expect(
      database.sql.begin(async (tx) => {
        await tx`insert into feelings values (2, 'fine')`;
        await tx`insert into feelings values (3, 'not a mood')`;
      }),
    ).rejects.toThrow(/mood/);
    expect(await database.sql`select * from feelings`).toEqual([{ id: 1, mood: 'ok' }]);
    // PGlite compiles its WebAssembly on first start, which takes several
    // seconds when the whole workspace's tests share two cores.
  }, 30_000);

  it('drops its schema on close', async () => {
    const first = await startTestDatabase();
    const { schema } = first;
    await first.close();
    database = await startTestDatabase();
    const rows =
      await database.sql`select 1 from information_schema.schemata where schema_name = ${schema}`;
    expect(rows).toHaveLength(0);
  });
});
