/**
 * Assignment-level conformance cases (test/policy/cases/assignments/*.yaml): inheritance, scopes, notScopes,
 * enforcementMode, resourceSelectors, overrides, exemptions and their expiry, initiative reference parameters — each
 * run through the real PolicyScanner by the policy test runner.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPolicyTests } from '../../src/policy/index.js';

const CASES = fileURLToPath(new URL('./cases/assignments', import.meta.url));

describe('assignment conformance cases', () => {
  it('all pass', () => {
    const report = runPolicyTests([CASES]);
    if (report.failed > 0) console.log(report.text);
    expect(report.failures).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.skipped).toBe(0);
    expect(report.ignoredFiles).toEqual([]);
    expect(report.files).toBe(4);
    expect(report.passed).toBeGreaterThanOrEqual(64);
  });

  it('the assignment-case examples in docs/policy-tests.md pass as written', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/policy-tests.md', import.meta.url)), 'utf8');
    const section = doc.slice(doc.indexOf('## Assignment cases'), doc.indexOf('## Function cases'));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'palisade-doc-cases-'));
    try {
      blocks.forEach((b, i) => writeFileSync(join(dir, `example-${i}.yaml`), b));
      const report = runPolicyTests([dir]);
      if (report.failed > 0) console.log(report.text);
      expect(report.failed).toBe(0);
      expect(report.passed).toBe(7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a wrong expectation, an unknown resource and an invalid case as failures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-assignment-cases-'));
    try {
      writeFileSync(
        join(dir, 'wrong.yaml'),
        `
management_groups: { root: null }
subscriptions: { 11111111-1111-1111-1111-111111111111: root }
resources:
- id: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1
  location: westeurope
policy_definition:
  properties:
    mode: Indexed
    policyRule: { if: { field: location, notEquals: eastus }, then: { effect: audit } }
assignment: { scope: /providers/Microsoft.Management/managementGroups/root }
cases:
- note: right
  want_states: { vm1: NonCompliant, rg: NotApplicable }
  want_effects: { vm1: audit }
- note: wrong_state
  want_states: { vm1: Compliant }
- note: wrong_scope_kind
  assignment: { scope: /subscriptions/22222222-2222-2222-2222-222222222222 }
  want_states: { vm1: NotApplicable }
- note: unknown_resource
  want_states: { vm9: NonCompliant }
- note: no_scope
  assignment: { scope: '' }
  want_states: { vm1: NonCompliant }
- note: bad_state_name
  want_states: { vm1: Broken }
- note: no_expectation
  now: '2026-01-01T00:00:00Z'
`,
      );
      const report = runPolicyTests([dir]);
      expect(report.passed).toBe(1);
      const byNote = Object.fromEntries(report.failures.map((f) => [f.note, f.message]));
      expect(Object.keys(byNote).sort()).toEqual(['bad_state_name', 'no_expectation', 'no_scope', 'unknown_resource', 'wrong_scope_kind', 'wrong_state']);
      expect(byNote.wrong_state).toBe('vm1: expected Compliant, got NonCompliant (effect audit)');
      expect(byNote.wrong_scope_kind).toMatch(/does not reach the resource \(OutOfScope\)/);
      expect(byNote.unknown_resource).toMatch(/no resource named 'vm9'/);
      expect(byNote.no_scope).toMatch(/^invalid case: assignment\.scope is required/);
      expect(byNote.bad_state_name).toMatch(/unknown state 'Broken'/);
      expect(byNote.no_expectation).toMatch(/no expectation/);
      expect(report.text.split('\n').pop()).toBe('1 passed, 6 failed, 0 skipped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
