/** Lambda entry for Carbon Black Cloud sources: the shared handler around the Carbon Black connector. */
import { createHandler } from '../../shared/handler.ts';
import { carbonBlackConnector } from './connector.ts';

export const handler = createHandler(carbonBlackConnector);
