/**
 * The archive's S3 layout (DESIGN.md 4.5), shared by the deployed Firehose streams and the local
 * Firehose emulator: Hive-style `vendor=`/`dt=` partitions so Athena prunes them. The partition
 * keys come from each record: `vendor` = `.metadata.log_provider`, `dt` = `.time` as a UTC day.
 */
export const ARCHIVE_PREFIX = 'events/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/';
export const ARCHIVE_ERROR_PREFIX = 'errors/events/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';
export const DEAD_LETTER_PREFIX = 'dead-letter/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/';
export const DEAD_LETTER_ERROR_PREFIX = 'errors/dead-letter/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';

/** The jq per partition key the deployed streams run (the same keys the local emulator computes). */
export const PARTITION_JQ: Readonly<Record<'vendor' | 'dt', string>> = {
  vendor: '.metadata.log_provider',
  dt: '.time / 1000 | floor | strftime("%Y-%m-%d")',
};

/** Default stream names of the local stack (the deploy names its own). */
export const LOCAL_STREAMS = { archive: 'audit-pump-archive', deadLetter: 'audit-pump-dead-letter' } as const;

/** Name of the cursor table in the local stack. */
export const LOCAL_CURSOR_TABLE = 'audit-pump-cursors';

/** The archive's event objects all live below this prefix. */
export const EVENTS_ROOT = ARCHIVE_PREFIX.slice(0, ARCHIVE_PREFIX.indexOf('/') + 1);

/**
 * A vendor's prefixes in the spool bucket (a destructive read's batches, kept until delivered):
 * its batches, and the batches it quarantined because they were not a valid page.
 */
export function spoolPrefixes(vendor: string): { readonly batches: string; readonly quarantine: string } {
  return { batches: `${vendor}/`, quarantine: `${vendor}-quarantine/` };
}
