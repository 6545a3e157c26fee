/** Lambda entry for Nected sources: the shared handler around the Nected connector. */
import { createHandler } from '../../shared/handler.ts';
import { nectedConnector } from './connector.ts';

export const handler = createHandler(nectedConnector);
