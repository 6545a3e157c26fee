/**
 * The JSON floor of a drain, measured in the same run: `JSON.parse` of the page bodies the vendor
 * sent and `JSON.stringify` of the events the pump delivered, each the median of a few passes. No
 * pump can do less with the same pages and the same output, so the pump's CPU per event over this
 * floor reads the same on any machine.
 */

/** Median ms of `passes` runs of `work`. */
export function medianMs(work: () => void, passes = 3): number {
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Ms to `JSON.parse` every body (decoded beforehand: the floor is the parse alone). */
export function parseFloorMs(bodies: readonly Buffer[], passes = 3): number {
  const texts = bodies.map((b) => b.toString('utf8'));
  return medianMs(() => {
    for (const text of texts) JSON.parse(text);
  }, passes);
}

/** Ms to `JSON.stringify` every event. */
export function stringifyFloorMs(events: readonly unknown[], passes = 3): number {
  return medianMs(() => {
    for (const event of events) JSON.stringify(event);
  }, passes);
}
