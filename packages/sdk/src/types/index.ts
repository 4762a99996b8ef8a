export type * from './secret.js';
export type * from './source.js';
