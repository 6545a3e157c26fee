/**
 * Athena named queries over the `events` table. Plain SQL over the shared table definition, so the
 * local query (DuckDB) can run them too.
 */
export interface NamedQuery {
  readonly title: string;
  readonly description: string;
  readonly sql: string;
}

export const NAMED_QUERIES: Readonly<Record<string, NamedQuery>> = {
  recentFailures: {
    title: 'recent failures',
    description: 'Failed actions (status_id = 2) of the last 7 days, newest first',
    sql: `SELECT from_unixtime(time / 1000) AS at, vendor, metadata.log_name AS source, actor.user.email_addr AS actor_email,
       actor.user.uid AS actor_uid, api.operation, status_detail, message
FROM events
WHERE status_id = 2 AND dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
ORDER BY time DESC
LIMIT 200`,
  },
  activityByActor: {
    title: 'activity by actor',
    description:
      'Events per actor and vendor over the last 30 days (the actor by e-mail, name, uid, API key, or what invoked it)',
    // Vendors name actors differently: Veza by uid and e-mail, Nected by display name only, Carbon
    // Black API keys by credential, Nected executions by what invoked them.
    sql: `SELECT coalesce(actor.user.email_addr, actor.user.name, actor.user.uid, actor.user.credential_uid, actor.invoked_by,
       user.email_addr, user.name, user.uid, 'unknown') AS actor, vendor,
       count(*) AS events, sum(CASE WHEN status_id = 2 THEN 1 ELSE 0 END) AS failures
FROM events
WHERE dt >= date_format(current_date - interval '30' day, '%Y-%m-%d')
GROUP BY 1, 2
ORDER BY events DESC
LIMIT 500`,
  },
  eventsPerVendorPerDay: {
    title: 'events per vendor per day',
    description: 'Event counts per vendor and day (distinct uids, so re-deliveries do not count twice)',
    sql: `SELECT vendor, dt, count(*) AS records, count(DISTINCT metadata.uid) AS events
FROM events
GROUP BY vendor, dt
ORDER BY dt DESC, vendor`,
  },
  createDedupView: {
    title: 'create the dedup view',
    description: 'Creates events_dedup: one row per metadata.uid (the pump may deliver a page twice after a crash)',
    sql: `CREATE OR REPLACE VIEW events_dedup AS
SELECT * FROM (
  SELECT e.*, row_number() OVER (PARTITION BY metadata.uid ORDER BY metadata.processed_time) AS copy
  FROM events e
) WHERE copy = 1`,
  },
};
