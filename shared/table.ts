/**
 * The archive's table definition: one list of columns and partition keys that drives the Glue
 * table (infra/), Firehose's Parquet conversion (which reads its schema from that Glue table) and
 * the local query. Types are Hive/Glue type strings, which Athena reads as they are.
 * Nested OCSF objects are structs; `unmapped` stays a JSON string (its keys differ per vendor).
 */
export interface Column {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

const USER = 'struct<uid:string,name:string,email_addr:string,credential_uid:string,type:string,type_id:int>';
const ENDPOINT = 'struct<ip:string,hostname:string,port:int,svc_name:string>';

/** Columns of the `events` table, in order. */
export const EVENT_COLUMNS: readonly Column[] = [
  { name: 'class_uid', type: 'int', comment: 'OCSF class (6003 API Activity, 3002 Authentication, ...)' },
  { name: 'category_uid', type: 'int' },
  { name: 'activity_id', type: 'int' },
  { name: 'type_uid', type: 'bigint' },
  { name: 'severity_id', type: 'int' },
  { name: 'status_id', type: 'int' },
  { name: 'status', type: 'string' },
  { name: 'status_code', type: 'string' },
  { name: 'status_detail', type: 'string' },
  { name: 'time', type: 'bigint', comment: 'event time, epoch milliseconds' },
  { name: 'message', type: 'string' },
  {
    name: 'metadata',
    type: 'struct<version:string,uid:string,product:struct<vendor_name:string,name:string>,log_provider:string,log_name:string,original_time:string,logged_time:bigint,processed_time:bigint,labels:array<string>>',
    comment: 'uid: deterministic event id (dedup key); log_name: source id',
  },
  { name: 'actor', type: `struct<user:${USER},session:struct<uid:string>,app_name:string,invoked_by:string>` },
  { name: 'user', type: USER },
  { name: 'src_endpoint', type: ENDPOINT },
  { name: 'dst_endpoint', type: ENDPOINT },
  { name: 'api', type: 'struct<operation:string,service:struct<name:string>,request:struct<uid:string>,response:struct<code:int,error:string,error_message:string>>' },
  { name: 'http_request', type: 'struct<http_method:string,url:struct<url_string:string,path:string,hostname:string>,user_agent:string>' },
  { name: 'http_response', type: 'struct<code:int>' },
  { name: 'resources', type: 'array<struct<uid:string,name:string,type:string>>' },
  { name: 'web_resources', type: 'array<struct<uid:string,name:string,type:string,url_string:string>>' },
  { name: 'raw_data', type: 'string', comment: 'the vendor record exactly as received (JSON text)' },
  { name: 'unmapped', type: 'string', comment: 'vendor fields with no OCSF home (JSON text)' },
];

/** Partition keys, in the order of the S3 layout (DESIGN.md 4.5). */
export const EVENT_PARTITIONS: readonly Column[] = [
  { name: 'vendor', type: 'string' },
  { name: 'dt', type: 'string', comment: 'UTC day of `time`, yyyy-MM-dd' },
];

/** Name of the table in Glue and in the local query. */
export const EVENTS_TABLE = 'events';
