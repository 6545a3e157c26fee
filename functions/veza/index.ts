/** Lambda entry for Veza sources: the shared handler around the Veza connector. */
import { createHandler } from '../../shared/handler.ts';
import { vezaConnector } from './connector.ts';

export const handler = createHandler(vezaConnector);
