export { ResourceId, canonicalKey, ids } from './resource-id.js';
export type { ResourceIdKind, ProviderSegment } from './resource-id.js';
export { isWithin, hierarchyAnchor, sameId } from './scope.js';
export type { ScopeHierarchy } from './scope.js';
export { PalisadeError, isPalisadeError, formatLocation, jsonPath } from './errors.js';
export type { ErrorKind, ErrorDetail, SourceLocation, PalisadeErrorOptions } from './errors.js';
export { systemClock, fixedClock } from './clock.js';
export type { Clock } from './clock.js';
export { safeJsonParse, stripDangerousKeys } from './json.js';
