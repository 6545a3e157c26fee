/**
 * What the fuzzer knows of a vendor: valid records (from the emulators' generators), the fields a
 * record cannot do without, a page in the vendor's envelope around given record texts, the answer of
 * a caught-up vendor, envelopes that are wrong for the vendor, and a page sequence whose cursor does
 * not move (a pagination loop). Each vendor fills it in functions/<vendor>/emulator/fuzz.ts.
 */
import type { Connector } from '../../shared/connector.ts';
import type { Random } from '../emulators/random.ts';

/** One answer of the fake vendor. */
export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string | Uint8Array;
}

/** A vendor as the fuzzer sees it; `at` is the middle of the window the source reads. */
export interface FuzzVendor {
  /** The vendor's connector (its `vendor` names the vendor). */
  readonly connector: Connector;
  readonly credentials: Record<string, string>;
  readonly options: Record<string, unknown>;
  /** Fields whose absence or wrong type makes a record invalid. */
  readonly required: readonly string[];
  /** Records a page needs to be followed by another (a full page); any page can be when unsaid. */
  readonly full?: number;
  records(random: Random, n: number, at: number): Array<Record<string, unknown>>;
  /** A valid page holding these record texts; `more` asks for a continuation (loop cases). */
  page(texts: readonly string[], request: FuzzRequest, more?: boolean): string;
  /** What the vendor answers when there is nothing more. */
  empty(request: FuzzRequest): string;
  /** Envelopes that are wrong for this vendor, around these record texts. */
  wrong(texts: readonly string[]): string[];
  /**
   * Two pages whose second leaves the cursor where it was while records come back; undefined if the vendor cannot loop.
   */
  loop?(texts: readonly string[], request: FuzzRequest): string | undefined;
  /**
   * The vendor's own error answers (in-band ones inside an HTTP 200, and its error statuses) with
   * `echo` quoted where the vendor quotes what it was sent: a credential echoed back must never
   * reach an error, a log or the archive.
   */
  echoes(echo: string): Answer[];
}

/** The forms a vendor may echo a credential in: as sent, URL-encoded, base64, inside a JSON string. */
export function echoForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    JSON.stringify(`"${secret}"`).slice(1, -1),
  ];
}

/** The request the fake vendor answers. */
export interface FuzzRequest {
  readonly url: URL;
  readonly body: string;
}

/** A page token the fake vendors hand out. */
export const FUZZ_TOKEN = 'fuzz-page-token-1';
