/**
 * Error texts as the command line prints them: a URL's long query string elided (the full URL stays
 * in the Lambda's logs, where it helps; on a terminal it buries the reason).
 */

/** URLs longer than this lose their query string. */
const MAX_URL = 80;

/** `text` with each long URL's query string replaced by `?…`. */
export function conciseError(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>]+/g, (url) => {
    if (url.length <= MAX_URL) return url;
    const query = url.indexOf('?');
    return query === -1 ? url : `${url.slice(0, query)}?…`;
  });
}
