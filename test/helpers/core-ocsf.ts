/** The record context the OCSF tests build events on: one Veza source, one record, Veza's product. */
import { parseSources, type Source } from '../../shared/config.ts';
import type { NormalizeBase } from '../../shared/connector.ts';

const SOURCE = parseSources({
  sources: [
    {
      id: 'veza-main',
      vendor: 'veza',
      baseUrl: 'https://acme.vezacloud.com',
      secretName: 's',
      startFrom: '2026-01-01T00:00:00Z',
    },
  ],
}).sources[0] as Source;

/** A record of `veza-main`, received half a second after 1_763_000_000_000. */
export const BASE: NormalizeBase = { source: SOURCE, uid: 'uid-1', rawData: '{}', receivedAt: 1_763_000_000_500 };
export const PRODUCT = { vendorName: 'Veza', name: 'Veza' };
