import { it } from 'vitest';
import { runPolicyTests } from '../../src/policy/index.js';
it('cases', () => {
  const b = runPolicyTests([process.env.CASES ?? 'test/policy/cases/assignments'], { now: new Date('2025-01-15T12:00:00Z') });
  console.log(b.text);
});
