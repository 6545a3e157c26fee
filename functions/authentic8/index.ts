/** Lambda entry for Authentic8 Silo sources: the shared handler around the Authentic8 connector. */
import { createHandler } from '../../shared/handler.ts';
import { authentic8Connector } from './connector.ts';

export const handler = createHandler(authentic8Connector);
