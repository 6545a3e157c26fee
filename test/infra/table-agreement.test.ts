/**
 * One table definition (shared/table.ts) drives the Glue table (which Firehose's Parquet conversion
 * reads its schema from) and the local query's DuckDB view: the synthesized Glue columns and the
 * columns DuckDB reports for `events` are both exactly EVENT_COLUMNS + EVENT_PARTITIONS. DuckDB's
 * types are read back into Hive type strings by an independent parser here, so the comparison is
 * with the very strings Glue gets.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Lake } from '../../infra/constructs/lake.ts';
import { duckdbType } from '../../local/query/events-table.ts';
import { openArchive, type ArchiveDb } from '../../local/query/query.ts';
import { EVENT_COLUMNS, EVENT_PARTITIONS } from '../../shared/table.ts';
import { fixtureEvent, writeArchive } from '../helpers/archive-fixture.ts';

const DUCKDB_TO_HIVE: Record<string, string> = {
  VARCHAR: 'string',
  INTEGER: 'int',
  BIGINT: 'bigint',
  BOOLEAN: 'boolean',
  DOUBLE: 'double',
  SMALLINT: 'smallint',
};

/**
 * DuckDB type text (`STRUCT("user" STRUCT(uid VARCHAR), labels VARCHAR[])`) → Hive
 * (`struct<user:struct<uid:string>,labels:array<string>>`).
 */
function hiveOf(duck: string): string {
  let pos = 0;
  const skip = () => {
    while (duck[pos] === ' ') pos++;
  };
  const ident = (): string => {
    skip();
    if (duck[pos] === '"') {
      const end = duck.indexOf('"', pos + 1);
      const name = duck.slice(pos + 1, end);
      pos = end + 1;
      return name;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(duck.slice(pos)) as RegExpExecArray;
    pos += m[0].length;
    return m[0];
  };
  const type = (): string => {
    const word = ident().toUpperCase();
    let out: string;
    if (word === 'STRUCT') {
      pos++; // (
      const fields: string[] = [];
      for (;;) {
        const name = ident();
        fields.push(`${name}:${type()}`);
        skip();
        if (duck[pos++] === ')') break;
      }
      out = `struct<${fields.join(',')}>`;
    } else {
      out = DUCKDB_TO_HIVE[word] ?? `unknown(${word})`;
    }
    while (duck.startsWith('[]', pos)) {
      out = `array<${out}>`;
      pos += 2;
    }
    return out;
  };
  return type();
}

const glueColumn = (c: { name: string; type: string; comment?: string }) => ({
  Name: c.name,
  Type: c.type,
  ...(c.comment ? { Comment: c.comment } : {}),
});

function glueTable(parquet: boolean) {
  const stack = new Stack(new App(), 'Lake', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key');
  new Lake(stack, 'Lake', {
    name: 'S',
    archive: new s3.Bucket(stack, 'Archive'),
    accessLogs: new s3.Bucket(stack, 'Logs'),
    key,
    parquet,
  });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::Glue::Table')) as Array<{
    Properties: { TableInput: { StorageDescriptor: { Columns: unknown[] }; PartitionKeys: unknown[] } };
  }>;
  return table?.Properties.TableInput;
}

describe('the one table definition', () => {
  let dir: string;
  let db: ArchiveDb;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'table-agreement-'));
    await writeArchive(dir, [fixtureEvent({ vendor: 'veza', ageDays: 0, nativeId: 'one' })]);
    db = await openArchive(dir);
  });
  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([false, true])(
    'the Glue table (parquet: %s) has exactly the shared columns and the partitions vendor, dt',
    (parquet) => {
      // Act
      const input = glueTable(parquet);

      // Assess
      expect(input?.StorageDescriptor.Columns).toEqual(EVENT_COLUMNS.map(glueColumn));
      expect(input?.PartitionKeys).toEqual(EVENT_PARTITIONS.map(glueColumn));
      expect(EVENT_PARTITIONS.map((p) => p.name)).toEqual(['vendor', 'dt']);
    },
  );

  it('the DuckDB events view has exactly the shared columns, types and partitions, in order', async () => {
    // Act
    const described = await db.query('DESCRIBE events');
    const columns = described.rows.map(([name, type]) => ({ name: String(name), type: hiveOf(String(type)) }));

    // Assess
    expect(columns).toEqual([...EVENT_COLUMNS, ...EVENT_PARTITIONS].map((c) => ({ name: c.name, type: c.type })));
  });

  it('maps Hive types to DuckDB: struct → STRUCT, array → LIST, bigint → BIGINT, int → INTEGER, string → VARCHAR', () => {
    expect(duckdbType('struct<user:struct<uid:string,type_id:int>,labels:array<string>,t:bigint>')).toBe(
      'STRUCT("user" STRUCT("uid" VARCHAR, "type_id" INTEGER), "labels" VARCHAR[], "t" BIGINT)',
    );
    expect(duckdbType('map<string,array<int>>')).toBe('MAP(VARCHAR, INTEGER[])');
    expect(() => duckdbType('struct<a:strin>')).toThrow(/unknown type "strin"/);
    expect(() => duckdbType('array<int')).toThrow(/expected ">"/);
  });
});
