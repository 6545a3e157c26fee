/**
 * `audit-pump validate [--archive <dir>]`: checks every archived event against OCSF 1.1
 * (shared/ocsf-validate.ts) and prints a summary: events and invalid events per class, the most
 * frequent problems, and the first problems with the event they were found in.
 */
import { parseCommand, UsageError } from '../cli/args.ts';
import { OcsfValidator, type OcsfProblem } from '../../shared/ocsf-validate.ts';
import { readArchive } from './archive-reader.ts';
import { findArchive, hasEvents, noEventsMessage } from './events-table.ts';

/** A problem with the first event it was found in, and how many events had the very same one. */
type Located = OcsfProblem & { level: 'error' | 'warning'; uid: string; key: string; count: number };

interface ClassCount {
  caption: string;
  events: number;
  invalid: number;
  warned: number;
}

/** What `validate` found in an archive. */
export interface ValidationSummary {
  readonly events: number;
  readonly invalid: number;
  readonly warned: number;
  readonly byClass: ReadonlyMap<string, ClassCount>;
  /**
   * The first distinct problems, each with the first event (`metadata.uid`) and archive object it was found in and its
   * count.
   */
  readonly problems: readonly Located[];
  /** Problem counts by level, class, path and message (array indexes collapsed). */
  readonly kinds: ReadonlyMap<string, number>;
}

/**
 * Validates every event under `archiveDir`, keeping the first `maxProblems` distinct problems (identical ones counted
 * together).
 */
export async function validateArchive(
  archiveDir: string,
  maxProblems = 20,
  validator = new OcsfValidator(),
): Promise<ValidationSummary> {
  const byClass = new Map<string, ClassCount>();
  const errors = new Map<string, Located>();
  const warnings = new Map<string, Located>();
  const kinds = new Map<string, number>();
  let invalid = 0;
  let warned = 0;
  const archived = await readArchive(archiveDir);
  for (const { key, record } of archived) {
    const result = validator.validate(record);
    const uid = String((record.metadata as { uid?: unknown } | undefined)?.uid ?? '?');
    const classId = String(record.class_uid);
    const count = byClass.get(classId) ?? {
      caption: validator.schema.classes[classId]?.caption ?? 'unknown class',
      events: 0,
      invalid: 0,
      warned: 0,
    };
    byClass.set(classId, count);
    count.events++;
    if (!result.valid) {
      count.invalid++;
      invalid++;
    }
    if (result.warnings.length) {
      count.warned++;
      warned++;
    }
    const all = [
      ...result.errors.map((p) => ({ ...p, level: 'error' as const })),
      ...result.warnings.map((p) => ({ ...p, level: 'warning' as const })),
    ];
    for (const p of all) {
      const kind = `${p.level} ${classId} ${p.path.replace(/\[\d+\]/g, '[]') || '(event)'}: ${p.message.replace(/^"[^"]*" /, '').replace(/, got .*/, '')}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const list = p.level === 'error' ? errors : warnings;
      const same = `${p.path}\u0000${p.message}`;
      const known = list.get(same);
      if (known) known.count++;
      else if (list.size < maxProblems) list.set(same, { ...p, uid, key, count: 1 });
    }
  }
  // Errors first; warnings fill what is left.
  const problems = [...errors.values(), ...warnings.values()].slice(0, Math.max(maxProblems, 0));
  return { events: archived.length, invalid, warned, byClass, problems, kinds };
}

/** The summary as text. */
export function formatSummary(summary: ValidationSummary, archiveDir: string): string {
  const lines = [
    `${summary.events} events under ${archiveDir}: ${summary.events - summary.invalid} valid OCSF 1.1, ${summary.invalid} invalid, ${summary.warned} with warnings`,
  ];
  for (const [id, c] of [...summary.byClass].sort(([a], [b]) => Number(a) - Number(b))) {
    lines.push(
      `  ${id.padStart(4)} ${c.caption.padEnd(24)} ${String(c.events).padStart(7)} events  ${String(c.invalid).padStart(6)} invalid  ${String(c.warned).padStart(6)} with warnings`,
    );
  }
  if (summary.kinds.size) {
    lines.push('problems by kind:');
    for (const [kind, n] of [...summary.kinds].sort((a, b) => b[1] - a[1]).slice(0, 20))
      lines.push(`  ${String(n).padStart(7)}  ${kind}`);
  }
  if (summary.problems.length) {
    lines.push(`first ${summary.problems.length} distinct problem(s), with the first event that has each:`);
    for (const p of summary.problems)
      lines.push(
        `  ${p.level} ${p.path || '(event)'}: ${p.message}${p.count > 1 ? ` (${p.count} events)` : ''}  [uid ${p.uid}, ${p.key}]`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** `audit-pump validate`; exit 0 when every event is valid, 1 otherwise. */
export async function validateCommand(
  args: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values } = parseCommand('validate', args);
  const max = Number(values['max-problems']);
  if (!Number.isInteger(max) || max < 0)
    throw new UsageError('validate', `--max-problems must be a non-negative integer, got "${values['max-problems']}"`);
  const archive = findArchive(values.archive);
  if (archive.note) err.write(`audit-pump validate: ${archive.note}\n`);
  if (!hasEvents(archive.dir)) throw new Error(noEventsMessage(archive.dir));
  const summary = await validateArchive(archive.dir, max);
  out.write(
    values.json
      ? `${JSON.stringify(summaryJson(summary, archive.dir), null, 2)}\n`
      : formatSummary(summary, archive.dir),
  );
  return summary.invalid ? 1 : 0;
}

/** The summary as `validate --json` prints it. */
export function summaryJson(summary: ValidationSummary, archiveDir: string): Record<string, unknown> {
  return {
    archive: archiveDir,
    events: summary.events,
    valid: summary.events - summary.invalid,
    invalid: summary.invalid,
    warned: summary.warned,
    classes: [...summary.byClass].map(([classUid, c]) => ({ classUid: Number(classUid), ...c })),
    kinds: [...summary.kinds].sort((a, b) => b[1] - a[1]).map(([kind, count]) => ({ kind, count })),
    problems: summary.problems,
  };
}
