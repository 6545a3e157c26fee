/**
 * A vendor's source as the config loader parses it, for tests that need a `Source` but no server
 * (a normalize test's `NormalizeBase`).
 */
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';

/** The source parsed from these fields, its secret named `audit-pump/<id>`. */
export function parsedSource(
  id: string,
  vendor: Vendor,
  baseUrl: string,
  startFrom: string,
  options?: Record<string, unknown>,
): Source {
  const fields = { id, vendor, baseUrl, secretName: `audit-pump/${id}`, startFrom, ...(options ? { options } : {}) };
  const [source] = parseSources({ sources: [fields] }).sources;
  if (!source) throw new Error(`no source parsed for ${id}`);
  return source;
}
