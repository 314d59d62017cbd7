/**
 * The posture program around the posture: continuous export, history, governance, drift, the monthly review and
 * verify, one folder each. Each folder's index.ts is re-exported here, the module's whole API.
 */
export * from './export/index.js';
export * from './governance/index.js';
export * from './verify/index.js';
export * from './review/index.js';
