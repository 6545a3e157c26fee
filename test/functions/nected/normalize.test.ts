import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { activityOf, normalizeNected, statusOf, NECTED_PRODUCT } from '../../../functions/nected/normalize.ts';
import { nectedPage, nectedRecord } from '../../../functions/nected/schemas.ts';
import { createNectedLog } from '../../../functions/nected/emulator/data.ts';
import { ApiActivityId, StatusId } from '../../../shared/ocsf.ts';
import { validateOcsf } from '../../../shared/ocsf-validate.ts';
import { rawRecords } from '../../../shared/raw-json.ts';
import { parsedSource } from '../../helpers/vendor-source.ts';
import { runnerBases } from '../../helpers/vendor-normalize.ts';
import { itAnswers } from '../../helpers/vendor-mapping.ts';

/** The search example of vendor-docs/nected-audit-log-api.md, byte for byte (vendor-notes §4.1). */
const DOC_EXAMPLE = readFileSync(
  new URL('../../../functions/nected/fixtures/search-doc-example.json', import.meta.url),
  'utf8',
);
const NECTED = runnerBases(
  parsedSource('nected-main', 'nected', 'https://api.nected.ai', '2024-11-01T00:00:00Z', { branch: 'main' }),
  Date.parse('2024-11-27T07:00:00Z'),
);

/** The doc example's records, cut out of the response text as the connector does. */
const docRecords = () => rawRecords(DOC_EXAMPLE, JSON.parse(DOC_EXAMPLE), 'data');

/** Validates `raw` as the runner does, then normalizes it. */
function normalize(raw: string) {
  const record = nectedRecord.parse(JSON.parse(raw));
  return normalizeNected(record, NECTED.of(raw, record.logId));
}

describe('the doc example response', () => {
  it('is a valid search envelope whose five records are cut out with their exact indentation', () => {
    // Act
    const records = docRecords();

    // Assess
    expect(nectedPage.safeParse(JSON.parse(DOC_EXAMPLE)).success).toBe(true);
    expect(records).toHaveLength(5);
    expect(records[0]?.raw.startsWith('{\n            "entityId": ""')).toBe(true);
    expect(records[0]?.raw.endsWith('"version": "draft"\n        }')).toBe(true);
    expect(records.every((r) => nectedRecord.safeParse(r.value).success)).toBe(true);
  });
});

describe("normalizeNected: an edit by a person (the doc's decision table update)", () => {
  const raw = docRecords()[0]?.raw ?? '';
  const event = normalize(raw);

  it('is an API Activity Update with Success status and the exact raw_data', () => {
    expect(event).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: ApiActivityId.Update,
      type_uid: 600303,
      status_id: StatusId.Success,
      status: 'Success',
      severity_id: 1,
      raw_data: raw,
    });
  });

  it('takes its time from `date`, keeping the nanosecond original', () => {
    expect(event.time).toBe(Date.parse('2024-11-27T06:00:38.470Z'));
    expect(event.metadata).toMatchObject({
      original_time: '2024-11-27T06:00:38.470511956Z',
      product: { vendor_name: 'Nected', name: 'Nected' },
      log_name: 'nected-main',
      tenant_uid: '60',
    });
  });

  it("names the person as the actor, the event as the operation, and the caller's IP", () => {
    expect(event.actor).toEqual({ user: { name: 'Snehasish Konger' } });
    expect(event.api).toEqual({ operation: 'Update', request: { uid: '4d693277-9509-4afa-a1af-f78d80bf74f3' } });
    expect(event.src_endpoint).toEqual({ ip: '121.240.111.38' });
  });

  it('describes the entity as the resource: type, name, environment as namespace, version', () => {
    expect(event.resources).toEqual([
      { type: 'Decisiontable', name: 'Amazon DP', namespace: 'Staging', version: 'draft' },
    ]);
    expect(event.message).toBe('Update Decisiontable "Amazon DP" (Staging) by Snehasish Konger: Success');
  });

  it("keeps the execution id in unmapped, the run time as duration, the record's logId as correlation_uid", () => {
    expect(event.unmapped).toEqual({ executionId: '1236ef60-c66a-425b-9932-4432dc502254' });
    expect((event as { duration?: number }).duration).toBe(0);
    expect(event.metadata.correlation_uid).toBe('cIQ1bJMBXygxw2IbFdqi');
  });
});

describe("normalizeNected: a failed API call (the doc's second record)", () => {
  const event = normalize(docRecords()[1]?.raw ?? '');

  it('is an Other activity named by its event, with Failure status (severity Low) and the vendor message as detail', () => {
    expect(event).toMatchObject({
      activity_id: ApiActivityId.Other,
      activity_name: 'Call Via API',
      type_uid: 600399,
      type_name: 'API Activity: Other',
      status_id: StatusId.Failure,
      status: 'Failure',
      severity_id: 2,
      status_detail: 'missing required params key countrycode',
    });
    expect(event.api).toEqual({
      operation: 'Call Via API',
      request: { uid: 'Root=1-6746b398-53e5e9017fd84ff46c030f27' },
      response: { error: 'Error', error_message: 'missing required params key countrycode' },
    });
  });

  it('names what started the execution as the actor when Nected records no user, and keeps the root run in unmapped', () => {
    expect(event.actor).toEqual({ invoked_by: 'Call Via API' });
    expect(event.metadata.correlation_uid).toBe('lIQtbJMBXygxw2IbjNhm');
    expect(event.unmapped).toMatchObject({
      rootNode: {
        id: '123e4e82-4ddf-40de-bdb2-d7ed1ae1697f',
        name: 'Amazon DP',
        logId: '123e4e82-4ddf-40de-bdb2-d7ed1ae1697f',
      },
      path: [],
    });
  });

  it("names a status outside the doc's values by the vendor's own label (Other)", () => {
    const running = normalize(
      JSON.stringify({ ...(JSON.parse(docRecords()[1]?.raw ?? '{}') as object), status: 'Running' }),
    );
    expect([running.status_id, running.status]).toEqual([StatusId.Other, 'Running']);
  });

  it('gives a record without ip the unknown src_endpoint API Activity requires', () => {
    const event = normalize(JSON.stringify({ ...(JSON.parse(docRecords()[1]?.raw ?? '{}') as object), ip: '' }));
    expect(event.src_endpoint).toEqual({ name: 'unknown' });
  });
});

describe('activityOf and statusOf', () => {
  itAnswers('maps event %j to activity %i', activityOf, [
    [ApiActivityId.Create, ['Create']],
    [ApiActivityId.Update, ['Update', 'Publish', 'Role Revoke']],
    [ApiActivityId.Delete, ['Delete']],
    [ApiActivityId.Other, ['Test Via Console', 'Call Via API']],
    [ApiActivityId.Unknown, ['', null]],
  ]);

  itAnswers('maps status %j to status_id %i', statusOf, [
    [StatusId.Success, ['Success', 'Completed']],
    [StatusId.Failure, ['Error', 'Failed']],
    [StatusId.Other, ['Pending']],
    [StatusId.Unknown, ['', undefined]],
  ]);
});

describe('nectedRecord', () => {
  it('rejects a record without logId or with a date that is not a time, so the runner dead-letters it', () => {
    expect(nectedRecord.safeParse({ date: '2024-11-27T06:00:38Z' }).success).toBe(false);
    expect(nectedRecord.safeParse({ logId: 'x', date: 'yesterday' }).success).toBe(false);
  });

  it('accepts null strings (a Go service may send them) and normalizes them as absent', () => {
    // Prepare
    const raw = JSON.stringify({
      logId: 'abc',
      date: '2024-11-27T06:00:38Z',
      user: null,
      event: null,
      status: null,
      rootNode: null,
      ip: null,
    });

    // Act
    const event = normalize(raw);

    // Assess
    expect(event).toMatchObject({
      activity_id: ApiActivityId.Unknown,
      status_id: StatusId.Unknown,
      actor: { invoked_by: 'unknown' },
      api: { operation: 'unknown' },
      src_endpoint: {},
    });
    expect(event.resources).toBeUndefined();
  });

  it('validates and normalizes every record the emulator generates into an API Activity with actor, api and src_endpoint', () => {
    // Prepare
    const log = createNectedLog(3);
    for (let i = 0; i < 400; i++) log.insert(Date.parse('2024-11-27T00:00:00Z') + i * 60_000);

    // Act
    const events = log.events.map((e) => normalize(e.text));

    // Assess
    expect(
      events.every(
        (e) => e.class_uid === 6003 && Number.isFinite(e.time) && e.actor && e.api?.operation && e.src_endpoint?.ip,
      ),
    ).toBe(true);
    expect(events.flatMap((e) => validateOcsf(e).errors)).toEqual([]);
    expect(new Set(events.map((e) => e.activity_id))).toEqual(
      new Set([ApiActivityId.Create, ApiActivityId.Update, ApiActivityId.Delete, ApiActivityId.Other]),
    );
    expect(new Set(events.map((e) => e.status_id))).toEqual(new Set([StatusId.Success, StatusId.Failure]));
    expect(NECTED_PRODUCT).toEqual({ vendorName: 'Nected', name: 'Nected' });
  });
});
