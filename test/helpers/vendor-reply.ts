/**
 * A vendor emulator's answer as its HTTP tests read it: status, headers, the exact text, and that
 * text parsed as JSON when it is JSON (truncated, plain-text and CSV bodies are what some tests are about).
 */
export interface EmulatorReply<J> {
  status: number;
  text: string;
  headers: Headers;
  json: J;
}

/** Fetches `url` (an emulator on 127.0.0.1) and reads the whole answer; `json` is `notJson` if the text is not JSON. */
export async function fetchReply<J>(url: string, init: RequestInit, notJson: J): Promise<EmulatorReply<J>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json = notJson;
  try {
    json = JSON.parse(text) as J;
  } catch {
    // Kept as `notJson`: the test reads `text`.
  }
  return { status: res.status, text, headers: res.headers, json };
}

/** A request body: a string as it is (malformed JSON is what some tests send), anything else as JSON. */
export const jsonBody = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));
