/**
 * The posture program around the posture: continuous export now; history, governance, drift, the monthly review
 * and verify get sibling folders as they land. Each folder's index.ts is re-exported here, the module's whole API.
 */
export * from './export/index.js';
export * from './governance/index.js';
export * from './verify/index.js';
export * from './review/index.js';
export * from './history/index.js';
export * from './drift/index.js';
