import { formatLocation } from '../../core/index.js';
import type { RejectedRecord } from '../event.js';

/** `file:line: $.path: (Code) message`, the way the CLI prints a rejected record. */
export function formatRejected(rejected: RejectedRecord): string {
  return `${formatLocation(rejected.origin)}(${rejected.code}) ${rejected.message}`;
}
