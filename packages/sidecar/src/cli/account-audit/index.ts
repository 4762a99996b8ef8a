export { auditSecret } from './checks.js';
export { type CollectOptions, collectSecretFacts } from './collect.js';
export { buildReport, failsAt, formatTable } from './report.js';
export * from './types.js';
