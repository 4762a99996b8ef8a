export * from './errors.js';
export type * from './types/index.js';
