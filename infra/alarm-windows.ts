/**
 * How long each alarm looks before it fires, derived from what it watches: a source's alarms from
 * its schedule and settle lag (a source that runs once a day must not alarm for not reporting
 * every hour), and CloudWatch's limits (periods in whole minutes; period × evaluation periods at
 * most one day below one-hour periods, seven days otherwise).
 */
import type { Source } from '../shared/config.ts';
import { parseSchedule } from '../shared/schedule.ts';

export interface AlarmWindow {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
const MAX_RANGE = 7 * DAY;

/** Rounded up to whole minutes, within [min, max]. */
function period(seconds: number, min: number, max = DAY): number {
  return Math.min(max, Math.max(min, Math.ceil(seconds / MINUTE) * MINUTE));
}

/** The longest time between two runs of the source. */
export function intervalOf(source: Source): number {
  return parseSchedule(source.schedule).maxGapSeconds;
}

export interface StalenessAlarm {
  readonly window: AlarmWindow;
  /** CursorLag above this (seconds) is stale. */
  readonly thresholdSeconds: number;
  /** True when the window always holds a run, so no datapoint at all means no run reported. */
  readonly missingBreaches: boolean;
}

/**
 * Stale: every period of the window had no run reporting, or a cursor lag above the threshold. The
 * lag a healthy source shows is 0 (caught up) or, while it works through a backlog, at most its
 * settle lag plus one interval; an hour more is the grace. The window spans at least one hour and
 * one interval plus a period, so a run always lands in it; beyond CloudWatch's seven days (a
 * source run less than weekly) only a reported lag counts.
 */
export function stalenessAlarm(source: Source): StalenessAlarm {
  const interval = intervalOf(source);
  const p = period(interval, 15 * MINUTE);
  const needed = Math.max(2, Math.ceil(HOUR / p), Math.ceil(interval / p) + 1);
  const limit = Math.floor((p < HOUR ? DAY : MAX_RANGE) / p);
  const periods = Math.min(needed, limit);
  return {
    window: { periodSeconds: p, evaluationPeriods: periods, datapointsToAlarm: periods },
    thresholdSeconds: interval + (source.settleLagSeconds ?? 0) + HOUR,
    missingBreaches: needed <= limit,
  };
}

/**
 * Failed runs: a failed run in two consecutive periods of about one interval, so two runs in a row
 * failed (one transient failure is not an alarm). A source run less than daily shows as stale instead.
 */
export function failedRunsWindow(source: Source): AlarmWindow {
  return { periodSeconds: period(intervalOf(source), 5 * MINUTE), evaluationPeriods: 2, datapointsToAlarm: 2 };
}

/** A function's errors: in two consecutive periods of its most frequent source's interval. */
export function functionErrorsWindow(sources: readonly Source[]): AlarmWindow {
  const shortest = Math.min(...sources.map(intervalOf));
  return { periodSeconds: period(shortest, 5 * MINUTE), evaluationPeriods: 2, datapointsToAlarm: 2 };
}
