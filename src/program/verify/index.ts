export { verifyProgram, renderVerify, MCSB_SET_DEFINITION_ID, CSPM_ENABLER_DEFINITION_ID, WORKLOAD_PLANS } from './checks.js';
export type { VerifyCheck, VerifyFacts, VerifyResult, VerifySubscription, CheckStatus } from './checks.js';
