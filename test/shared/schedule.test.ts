/**
 * Sources' schedules (shared/schedule.ts): EventBridge Scheduler's rate and cron syntax is checked
 * before deploy, and the longest gap between two runs is what each source's staleness alarm allows.
 */
import { describe, expect, it } from '@jest/globals';
import { nextRun, parseSchedule, scheduleProblem } from '../../shared/schedule.ts';

const HOUR = 3600;
const DAY = 86_400;

describe('parseSchedule: rate expressions', () => {
  it('measures a rate as its interval', () => {
    expect(parseSchedule('rate(5 minutes)').maxGapSeconds).toBe(300);
    expect(parseSchedule('rate(1 hour)').maxGapSeconds).toBe(HOUR);
    expect(parseSchedule('rate(2 days)').maxGapSeconds).toBe(2 * DAY);
  });

  it('refuses a unit that disagrees with its value, saying how to write it', () => {
    expect(scheduleProblem('rate(1 hours)')).toBe('write rate(1 hour)');
    expect(scheduleProblem('rate(5 minute)')).toBe('write rate(5 minutes)');
  });

  it('refuses a zero rate, an unknown unit and a one-time schedule', () => {
    expect(scheduleProblem('rate(0 minutes)')).toMatch(/at least 1/);
    expect(scheduleProblem('rate(5 seconds)')).toMatch(/must be rate\(/);
    expect(scheduleProblem('at(2026-01-01T00:00:00)')).toMatch(/one-time/);
    expect(scheduleProblem('every 5 minutes')).toMatch(/must be rate\(/);
  });
});

describe('parseSchedule: cron expressions', () => {
  it('measures a daily cron as one day and an hourly one as an hour', () => {
    expect(parseSchedule('cron(30 3 * * ? *)').maxGapSeconds).toBe(DAY);
    expect(parseSchedule('cron(0 * * * ? *)').maxGapSeconds).toBe(HOUR);
    expect(parseSchedule('cron(0/15 * * * ? *)').maxGapSeconds).toBe(15 * 60);
  });

  it('measures the longest gap of an uneven cron, across days and weekends', () => {
    // Every 10 minutes from 08:00 to 17:50 on weekdays: Friday 17:50 to Monday 08:00.
    expect(parseSchedule('cron(0/10 8-17 ? * MON-FRI *)').maxGapSeconds).toBe(2 * DAY + 14 * HOUR + 10 * 60);
    // Twice a day: 06:00 and 09:00, so the long gap is 09:00 to 06:00 the next day.
    expect(parseSchedule('cron(0 6,9 * * ? *)').maxGapSeconds).toBe(21 * HOUR);
  });

  it('understands the month-relative wildcards L, W and #', () => {
    // The 1st of each month: at most 31 days apart.
    expect(parseSchedule('cron(0 0 1 * ? *)').maxGapSeconds).toBe(31 * DAY);
    expect(parseSchedule('cron(0 0 L * ? *)').maxGapSeconds).toBe(31 * DAY);
    // Second Tuesday of each month: five weeks at most.
    expect(parseSchedule('cron(0 0 ? * 3#2 *)').maxGapSeconds).toBe(35 * DAY);
    expect(parseSchedule('cron(0 0 15W * ? *)').maxGapSeconds).toBeLessThanOrEqual(33 * DAY);
    expect(parseSchedule('cron(0 0 ? * 6L *)').maxGapSeconds).toBe(35 * DAY);
  });

  it('names the field that is wrong', () => {
    expect(scheduleProblem('cron(0 3 * * *)')).toMatch(/6 fields/);
    expect(scheduleProblem('cron(61 3 * * ? *)')).toMatch(/minutes value "61" is outside 0-59/);
    expect(scheduleProblem('cron(0 3 * * * *)')).toMatch(/exactly one of day-of-month and day-of-week must be \?/);
    expect(scheduleProblem('cron(0 3 ? * FUNDAY *)')).toMatch(/day-of-week value "FUNDAY"/);
    expect(scheduleProblem('cron(0 3 ? * ? *)')).toMatch(/exactly one/);
  });

  it('refuses a cron that never runs', () => {
    expect(scheduleProblem('cron(0 0 30 2 ? *)')).toMatch(/never runs/);
  });
});

describe('nextRun', () => {
  const at = (iso: string): number => Date.parse(iso);

  it('counts a rate from the last run, skipping ticks missed since', () => {
    expect(nextRun('rate(5 minutes)', at('2026-11-20T12:02:00Z'), at('2026-11-20T12:00:00Z'))).toBe(
      at('2026-11-20T12:05:00Z'),
    );
    expect(nextRun('rate(5 minutes)', at('2026-11-20T12:12:00Z'), at('2026-11-20T12:00:00Z'))).toBe(
      at('2026-11-20T12:15:00Z'),
    );
    expect(nextRun('rate(1 hour)', at('2026-11-20T12:00:00Z'))).toBe(at('2026-11-20T13:00:00Z'));
  });

  it('finds the next matching minute of a cron expression, in UTC', () => {
    expect(nextRun('cron(0 3 * * ? *)', at('2026-11-20T12:00:00Z'))).toBe(at('2026-11-21T03:00:00Z'));
    expect(nextRun('cron(0/15 * * * ? *)', at('2026-11-20T12:00:00Z'))).toBe(at('2026-11-20T12:15:00Z'));
    // 2026-11-20 is a Friday: the next Monday (day-of-week 2) at 06:30.
    expect(nextRun('cron(30 6 ? * MON *)', at('2026-11-20T12:00:00Z'))).toBe(at('2026-11-23T06:30:00Z'));
  });
});
