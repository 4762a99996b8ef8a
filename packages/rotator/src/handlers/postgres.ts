import { postgresEngine } from '../engines/postgres/session.js';
import { createLambdaHandler } from './lambda.js';

/** Lambda entry point for PostgreSQL and Aurora PostgreSQL secrets. */
export const handler = createLambdaHandler(() => postgresEngine());
