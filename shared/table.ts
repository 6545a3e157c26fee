/**
 * The archive's table definition: one list of columns and partition keys that drives the Glue
 * table (infra/), Firehose's Parquet conversion (which reads its schema from that Glue table) and
 * the local query. Types are Hive/Glue type strings, which Athena reads as they are.
 * Nested OCSF objects are structs with a field for every path a normalizer emits (one type per
 * path; test/shared/table-coverage.test.ts derives the paths from generated events of every vendor
 * and fails on one without a column: in Parquet, Firehose keeps only the table's columns). Where
 * the shape varies by vendor (`unmapped`, the `data` of resources and API requests) the column is
 * a string holding the JSON text.
 */
export interface Column {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

const ORG = 'struct<uid:string,name:string>';
const USER = `struct<uid:string,name:string,email_addr:string,credential_uid:string,type:string,type_id:int,org:${ORG}>`;
const LOCATION = 'struct<city:string,region:string,country:string,desc:string>';
const ENDPOINT = `struct<ip:string,hostname:string,name:string,port:int,svc_name:string,location:${LOCATION}>`;
const HEADERS = 'array<struct<name:string,value:string>>';
const URL =
  'struct<url_string:string,scheme:string,hostname:string,port:int,path:string,query_string:string,categories:array<string>>';
const HASHES = 'array<struct<algorithm:string,algorithm_id:int,value:string>>';

/** An OCSF enum attribute and its sibling (`severity_id`, an integer, and `severity`, its caption). */
function enumColumns(id: string, caption: string, type = 'int'): Column[] {
  return [
    { name: id, type },
    { name: caption, type: 'string' },
  ];
}

/** Columns of the `events` table, in order. */
export const EVENT_COLUMNS: readonly Column[] = [
  { name: 'class_uid', type: 'int', comment: 'OCSF class (6003 API Activity, 3002 Authentication, ...)' },
  { name: 'class_name', type: 'string' },
  ...enumColumns('category_uid', 'category_name'),
  { name: 'activity_id', type: 'int' },
  { name: 'activity_name', type: 'string', comment: "the vendor's own label where activity_id is 99 (Other)" },
  ...enumColumns('type_uid', 'type_name', 'bigint'),
  ...enumColumns('severity_id', 'severity'),
  ...enumColumns('status_id', 'status'),
  { name: 'status_code', type: 'string' },
  { name: 'status_detail', type: 'string' },
  { name: 'time', type: 'bigint', comment: 'event time, epoch milliseconds' },
  { name: 'duration', type: 'int', comment: 'milliseconds' },
  { name: 'message', type: 'string' },
  {
    name: 'metadata',
    type:
      'struct<version:string,uid:string,correlation_uid:string,product:struct<vendor_name:string,name:string>,log_provider:string,log_name:string,' +
      'event_code:string,sequence:int,tenant_uid:string,original_time:string,logged_time:bigint,processed_time:bigint,labels:array<string>,profiles:array<string>>',
    comment: "uid: deterministic event id (dedup key); correlation_uid: the vendor's record id; log_name: source id",
  },
  { name: 'actor', type: `struct<user:${USER},session:struct<uid:string>,app_name:string,invoked_by:string>` },
  { name: 'user', type: USER },
  { name: 'src_endpoint', type: ENDPOINT },
  { name: 'dst_endpoint', type: ENDPOINT },
  { name: 'service', type: 'struct<name:string,version:string>' },
  { name: 'session', type: 'struct<uid:string>' },
  ...enumColumns('auth_protocol_id', 'auth_protocol'),
  {
    name: 'api',
    type:
      'struct<operation:string,version:string,service:struct<name:string>,request:struct<uid:string,data:string>,' +
      'response:struct<code:int,error:string,error_message:string,data:string>>',
    comment: 'request.data, response.data: JSON text',
  },
  { name: 'http_request', type: `struct<http_method:string,url:${URL},user_agent:string,http_headers:${HEADERS}>` },
  { name: 'http_response', type: `struct<code:int,length:int,content_type:string,http_headers:${HEADERS}>` },
  {
    name: 'resources',
    type: 'array<struct<uid:string,name:string,type:string,namespace:string,version:string,data:string>>',
    comment: 'data: JSON text',
  },
  { name: 'web_resources', type: 'array<struct<uid:string,name:string,type:string,url_string:string>>' },
  { name: 'file', type: `struct<name:string,type:string,type_id:int,path:string,size:bigint,hashes:${HASHES}>` },
  { name: 'finding_info', type: 'struct<uid:string,title:string,types:array<string>>' },
  ...enumColumns('action_id', 'action'),
  ...enumColumns('disposition_id', 'disposition'),
  { name: 'raw_data', type: 'string', comment: 'the vendor record exactly as received (JSON text)' },
  { name: 'unmapped', type: 'string', comment: 'vendor fields with no OCSF home (JSON text)' },
];

/** Paths whose values vary in shape by vendor, kept as JSON text in a string column. */
export const JSON_TEXT_PATHS: readonly string[] = [
  'unmapped',
  'api.request.data',
  'api.response.data',
  'resources[].data',
];

/** Partition keys, in the order of the S3 layout (DESIGN.md 4.5). */
export const EVENT_PARTITIONS: readonly Column[] = [
  { name: 'vendor', type: 'string' },
  { name: 'dt', type: 'string', comment: 'UTC day of `time`, yyyy-MM-dd' },
];

/** Name of the table in Glue and in the local query. */
export const EVENTS_TABLE = 'events';

/**
 * Every leaf of the table with its primitive type: `metadata.product.name` → string,
 * `resources[].data` → string, `metadata.labels[]` → string (an array's elements under `[]`).
 */
export function leafPaths(columns: readonly Column[] = EVENT_COLUMNS): Map<string, string> {
  const leaves = new Map<string, string>();
  for (const column of columns) {
    let pos = 0;
    const type = column.type;
    const walk = (path: string): void => {
      if (type.startsWith('struct<', pos)) {
        pos += 'struct<'.length;
        do {
          if (type[pos] === ',') pos++;
          const colon = type.indexOf(':', pos);
          const name = type.slice(pos, colon);
          pos = colon + 1;
          walk(`${path}.${name}`);
        } while (type[pos] === ',');
        pos++;
      } else if (type.startsWith('array<', pos)) {
        pos += 'array<'.length;
        walk(`${path}[]`);
        pos++;
      } else {
        const word = /^[a-z]+/.exec(type.slice(pos))?.[0] ?? '';
        pos += word.length;
        leaves.set(path, word);
      }
    };
    walk(column.name);
  }
  return leaves;
}
