/**
 * The evaluated estate over the store, shared by the CLI and the API server: the policy session (estate rows, policy
 * objects, the scanner), the posture session (assessments, secure score, compliance, priorities) and the graph session
 * (security graph and attack paths), plus the context they need from their caller.
 */
export * from './context.js';
export * from './policy-session.js';
export * from './posture-session.js';
export * from './graph-session.js';
export * from './policy-writes.js';
export * from './policy-definition-writes.js';
export * from './remediations.js';
export * from './custom-assessments.js';
export * from './agentless-scanning.js';
export * from './protection.js';
export * from './verify.js';
export * from './review.js';
