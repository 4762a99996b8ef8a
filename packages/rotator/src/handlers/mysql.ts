import { mysqlEngine } from '../engines/mysql/session.js';
import { createLambdaHandler } from './lambda.js';

/** Lambda entry point for MySQL, MariaDB and Aurora MySQL secrets. */
export const handler = createLambdaHandler(() => mysqlEngine());
