/** Lambda entry for Retraced sources: the shared handler around the Retraced connector. */
import { createHandler } from '../../shared/handler.ts';
import { retracedConnector } from './connector.ts';

export const handler = createHandler(retracedConnector);
