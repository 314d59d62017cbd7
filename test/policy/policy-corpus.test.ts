import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPolicyTests, type CorpusSkip } from '../../src/policy/index.js';
import { REGORUS_CORPUS } from '../shared-data.js';

const CORPUS = REGORUS_CORPUS;
const skips = (JSON.parse(readFileSync(fileURLToPath(new URL('./corpus-skips.json', import.meta.url)), 'utf8')) as { skips: CorpusSkip[] }).skips;

describe('Azure Policy conformance', () => {
  it.skipIf(!existsSync(CORPUS))('passes >= 99% of the regorus corpus with an exact skip list', () => {
    const report = runPolicyTests([CORPUS], { skips, now: new Date('2025-01-15T12:00:00Z') });
    if (report.failed > 0) console.log(report.text);
    const total = report.passed + report.failed + report.skipped;
    expect(report.passed / total).toBeGreaterThanOrEqual(0.99);
    expect(report.failures).toEqual([]);
    expect(report.unusedSkips).toEqual([]);
    expect(report.skipped).toBe(skips.length);
  });

  it('passes our own cases', () => {
    const report = runPolicyTests([fileURLToPath(new URL('./cases', import.meta.url))]);
    if (report.failed > 0) console.log(report.text);
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThan(10);
  });
});
