/**
 * EventBridge Scheduler expressions of the sources (`rate(5 minutes)`, `cron(0 3 * * ? *)`):
 * validated where the sources file is parsed, so a bad one fails naming the source instead of at
 * deploy, and measured (the longest time between two runs) so each source's staleness alarm can
 * allow for its own schedule. One-time `at(...)` schedules are refused: a source runs repeatedly.
 *
 * Syntax as documented for EventBridge Scheduler ("Schedule types"): rate units minute(s), hour(s),
 * day(s); cron fields minutes hours day-of-month month day-of-week year, one of the day fields `?`,
 * wildcards `, - * / ? L W #`, day-of-week 1-7 = SUN-SAT. Times are UTC (the deploy sets Etc/UTC).
 */
import { ConfigError } from './errors.ts';

export interface ScheduleInfo {
  /** The longest time between two consecutive runs, in seconds. */
  readonly maxGapSeconds: number;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parses a source's schedule; a ConfigError says what is wrong with it. */
export function parseSchedule(expression: string): ScheduleInfo {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = (rate[2] as string).replace(/s$/, '');
    if (value < 1) throw new ConfigError('a rate must be at least 1');
    // EventBridge's rule: the unit is singular for 1 and plural above (rate(1 hour), rate(5 hours)).
    const expected = value === 1 ? unit : `${unit}s`;
    if (rate[2] !== expected) throw new ConfigError(`write rate(${value} ${expected})`);
    return { maxGapSeconds: value * (UNIT_SECONDS[unit] as number) };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return { maxGapSeconds: cronGapSeconds(cron[1] as string) };
  if (expression.startsWith('at('))
    throw new ConfigError('a one-time at(...) schedule would run the source once; use rate(...) or cron(...)');
  throw new ConfigError(
    'must be rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)',
  );
}

/** The zod-friendly form: the problem with `expression`, or undefined when it is valid. */
export function scheduleProblem(expression: string): string | undefined {
  try {
    parseSchedule(expression);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

/** A day matcher: given the day's date, whether the day fields select it. */
type DayMatcher = (d: Date) => boolean;

/** When a cron expression fires: the minutes of a day it runs at (sorted), and the days it runs on. */
interface CronPlan {
  readonly times: readonly number[];
  readonly runsOn: DayMatcher;
}

function cronPlan(body: string): CronPlan {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new ConfigError(
      `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const minutes = values(min, 0, 59, 'minutes');
  const hours = values(hour, 0, 23, 'hours');
  const months = values(month, 1, 12, 'month', MONTHS);
  values(year, 1970, 2199, 'year');
  if ((dom === '?') === (dow === '?'))
    throw new ConfigError('cron: exactly one of day-of-month and day-of-week must be ?');
  const day = dom === '?' ? dayOfWeek(dow) : dayOfMonth(dom);
  const times = [...hours]
    .sort((a, b) => a - b)
    .flatMap((h) => [...minutes].sort((a, b) => a - b).map((m) => h * 60 + m));
  return { times, runsOn: (d) => months.has(d.getUTCMonth() + 1) && day(d) };
}

function cronGapSeconds(body: string): number {
  const plan = cronPlan(body);
  return gapOverFourYears(plan.times, plan.runsOn) * 60;
}

/**
 * The next time (epoch ms) a schedule fires after `after`. A rate schedule counts from the source's
 * last run when known (EventBridge counts from the schedule's creation, which the pump does not
 * know), so its answer is an estimate; a cron schedule's is exact (UTC). Undefined when a cron
 * expression never fires again within four years.
 */
export function nextRun(expression: string, after: number, lastRun?: number): number | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const periodMs = parseSchedule(expression).maxGapSeconds * 1000;
    if (lastRun === undefined) return after + periodMs;
    // Runs missed since the last one do not pile up: the next tick after `after`.
    return lastRun + Math.max(1, Math.ceil((after - lastRun) / periodMs)) * periodMs;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) throw new ConfigError(`not a rate(...) or cron(...) schedule: ${expression}`);
  const plan = cronPlan(cron[1] as string);
  const firstDay = Math.floor(after / 86_400_000) * 86_400_000;
  for (let day = firstDay; day < firstDay + 4 * 366 * 86_400_000; day += 86_400_000) {
    if (!plan.runsOn(new Date(day))) continue;
    const time = plan.times.map((t) => day + t * 60_000).find((t) => t > after);
    if (time !== undefined) return time;
  }
  return undefined;
}

/**
 * Walks four years of days (a full leap cycle) and returns the longest gap in minutes between runs:
 * within a day from its times, and across days from the last run of one to the first of the next.
 */
function gapOverFourYears(times: readonly number[], runsOn: DayMatcher): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] as number) - (times[i - 1] as number));
  let previous: number | undefined;
  let first: number | undefined;
  const start = Date.UTC(2024, 0, 1);
  const days = 4 * 365 + 1;
  for (let i = 0; i < days; i++) {
    if (!runsOn(new Date(start + i * 86_400_000))) continue;
    if (previous !== undefined)
      gap = Math.max(gap, (i - previous) * 1440 + (times[0] as number) - (times[times.length - 1] as number));
    first ??= i;
    previous = i;
  }
  if (previous === undefined || first === undefined) throw new ConfigError('cron: the expression never runs');
  // Wrap around: the last run of the cycle to the first run of the next cycle.
  return Math.max(gap, (days - previous + first) * 1440 + (times[0] as number) - (times[times.length - 1] as number));
}

/** The set a plain cron field selects: `*`, lists, ranges and increments, numbers or names. */
function values(
  field: string,
  lo: number,
  hi: number,
  name: string,
  names: readonly string[] = [],
  base = 1,
): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|[0-9A-Z]+)(?:-([0-9A-Z]+))?(?:\/(\d+))?$/.exec(part.toUpperCase());
    if (!m) throw new ConfigError(`cron: invalid ${name} field "${field}"`);
    const number = (s: string): number => {
      const index = names.indexOf(s);
      const n = index >= 0 ? index + base : /^\d+$/.test(s) ? Number(s) : NaN;
      if (!(n >= lo && n <= hi)) throw new ConfigError(`cron: ${name} value "${s}" is outside ${lo}-${hi}`);
      return n;
    };
    const from = m[1] === '*' ? lo : number(m[1] as string);
    const to = m[2] !== undefined ? number(m[2]) : m[1] === '*' || m[3] !== undefined ? hi : from;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (step < 1 || to < from) throw new ConfigError(`cron: invalid ${name} field "${field}"`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function lastDayOfMonth(d: Date): number {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

/** The weekday (Monday-Friday) nearest to `day` within its month, as Quartz-style `W` defines it. */
function nearestWeekday(d: Date, day: number): number {
  const last = lastDayOfMonth(d);
  const target = Math.min(day, last);
  const weekday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonth(field: string): DayMatcher {
  if (field === 'L') return (d) => d.getUTCDate() === lastDayOfMonth(d);
  if (field === 'LW') return (d) => d.getUTCDate() === nearestWeekday(d, lastDayOfMonth(d));
  const w = /^(\d+)W$/.exec(field);
  if (w) {
    const day = Number(w[1]);
    if (day < 1 || day > 31) throw new ConfigError(`cron: day-of-month value "${field}" is outside 1-31`);
    return (d) => d.getUTCDate() === nearestWeekday(d, day);
  }
  const days = values(field, 1, 31, 'day-of-month');
  return (d) => days.has(d.getUTCDate());
}

function dayOfWeek(field: string): DayMatcher {
  const upper = field.toUpperCase();
  const nth = /^([0-9A-Z]+)#([1-5])$/.exec(upper);
  if (nth) {
    const weekday = [...values(nth[1] as string, 1, 7, 'day-of-week', DAYS)][0] as number;
    const n = Number(nth[2]);
    return (d) => d.getUTCDay() + 1 === weekday && Math.ceil(d.getUTCDate() / 7) === n;
  }
  const last = /^([0-9A-Z]+)?L$/.exec(upper);
  if (last) {
    const weekday = last[1] ? ([...values(last[1], 1, 7, 'day-of-week', DAYS)][0] as number) : 7;
    return (d) => d.getUTCDay() + 1 === weekday && d.getUTCDate() + 7 > lastDayOfMonth(d);
  }
  const days = values(field, 1, 7, 'day-of-week', DAYS);
  return (d) => days.has(d.getUTCDay() + 1);
}
