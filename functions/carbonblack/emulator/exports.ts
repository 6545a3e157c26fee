/**
 * Export jobs of the Carbon Black emulator (../README.md): `POST .../logs/_export` with a
 * search body plus `format` returns `{job_id}`; `GET /jobs/v1/orgs/{org}/jobs/{id}` moves the job
 * one step (CREATED → IN_PROGRESS → COMPLETED) per poll; `/progress` and `/download` follow.
 * The download's content type and layout are UNCONFIRMED (a JSON array or a CSV with a header).
 */
import type { EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { parseSearch } from './search.ts';
import type { CbLog, CbStoredEvent } from './data.ts';

const STATUSES = ['CREATED', 'IN_PROGRESS', 'COMPLETED'] as const;
const CSV_FIELDS = [
  'org_key',
  'actor_ip',
  'actor',
  'request_url',
  'description',
  'flagged',
  'verbose',
  'create_time',
] as const;

interface Job {
  readonly id: number;
  readonly format: 'csv' | 'json';
  readonly events: readonly CbStoredEvent[];
  readonly parameters: unknown;
  readonly created: number;
  step: number;
  updated: number;
}

const notFound: EmulatorResponse = { status: 404, body: { error_code: 'NOT_FOUND', message: 'job not found' } };

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The export jobs of one emulator. */
export class CbExports {
  readonly #jobs = new Map<number, Job>();
  #next = 1;

  constructor(
    private readonly orgKey: string,
    private readonly now: () => number,
  ) {}

  /** `_export`: every match of the search (rows/start ignored), in the requested format. */
  create(text: string, log: CbLog): EmulatorResponse {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { status: 400, body: { error_code: 'MALFORMED_JSON', message: 'Malformed JSON input' } };
    }
    const format = body?.format;
    if (format !== 'csv' && format !== 'json')
      return {
        status: 400,
        body: { error_code: 'INVALID_ENUM_VALUE', message: 'format must be csv or json', field: 'format' },
      };
    const search = parseSearch({ ...body, format: undefined, rows: undefined, start: undefined }, this.now());
    if ('status' in search) return search;
    const id = this.#next++;
    const events = log.events.filter((e) => search.test(e)).sort((a, b) => search.compare(a, b));
    this.#jobs.set(id, { id, format, events, parameters: body, created: this.now(), updated: this.now(), step: 0 });
    return { status: 200, body: { job_id: id } };
  }

  /** The job object (each poll moves it one step), its progress, or its download. */
  job(id: number, part: string | undefined): EmulatorResponse {
    const job = this.#jobs.get(id);
    if (!job) return notFound;
    const status = STATUSES[job.step] ?? 'COMPLETED';
    if (part === '/progress') {
      return {
        status: 200,
        body: {
          num_total: job.events.length,
          num_completed: status === 'COMPLETED' ? job.events.length : 0,
          message: status,
        },
      };
    }
    if (part === '/download') {
      if (status !== 'COMPLETED')
        return { status: 400, body: { error_code: 'JOB_NOT_COMPLETED', message: `job ${id} is ${status}` } };
      if (job.format === 'json') return { status: 200, body: `[${job.events.map((e) => e.text).join(',')}]` };
      const rows = job.events.map((e) => CSV_FIELDS.map((f) => csvCell(e.record[f])).join(','));
      return {
        status: 200,
        headers: { 'content-type': 'text/csv' },
        body: [CSV_FIELDS.join(','), ...rows].join('\n') + '\n',
      };
    }
    const shown = {
      id,
      type: 'EXTERNAL',
      org_key: this.orgKey,
      status,
      create_time: new Date(job.created).toISOString(),
      last_update_time: new Date(job.updated).toISOString(),
      job_parameters: { job_parameters: job.parameters },
    };
    if (job.step < STATUSES.length - 1) {
      job.step++;
      job.updated = this.now();
    }
    return { status: 200, body: shown };
  }
}
