/** The monthly review's renderers: every agenda item with its numbers, self-contained HTML, an SVG trend. */
import { describe, expect, it } from 'vitest';
import { reviewHtml, reviewMarkdown, scoreDelta, trendSvg, type ReviewFacts } from '../../src/program/index.js';

const facts: ReviewFacts = {
  month: '2026-08',
  previousMonth: '2026-07',
  scope: '/providers/Microsoft.Management/managementGroups/contoso-root',
  generatedAt: '2026-09-01T00:00:00Z',
  score: {
    current: 0.6123,
    previous: 0.5871,
    series: [
      { at: '2026-07-15T00:00:00Z', percentage: 0.58 },
      { at: '2026-07-31T00:00:00Z', percentage: 0.5871 },
      { at: '2026-08-31T00:00:00Z', percentage: 0.6123 },
    ],
  },
  attackPaths: { opened: [{ id: 'p1', displayName: 'Internet exposed VM <web-01> with high severity vulnerabilities', riskLevel: 'High' }], closed: [], openAtEnd: 4 },
  governance: { breaches: [{ owner: 'alice@contoso.com', overdue: 2, items: [{ recommendation: 'MFA', resourceId: '/subscriptions/x', dueDate: '2026-08-10T00:00:00Z' }] }], overdueTotal: 2 },
  denyCandidates: [
    {
      policyAssignmentId: '/subscriptions/x/providers/Microsoft.Authorization/policyAssignments/audit-storage-public',
      policyAssignmentName: 'audit-storage-public',
      policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/abc',
      resources: 3,
      proposedExemptions: [{ scope: '/subscriptions/x/resourceGroups/cdn', resources: 1, command: 'palisade policy exemption create --name cdn --policy-assignment audit-storage-public --scope /subscriptions/x/resourceGroups/cdn --exemption-category Waiver' }],
    },
  ],
  complianceRegressions: [{ standard: 'Microsoft-cloud-security-benchmark', control: 'NS.2', from: 'Passed', to: 'Failed' }],
};

describe('monthly review report', () => {
  it('computes the delta and writes every agenda item in Markdown', () => {
    expect(scoreDelta(facts)).toBeCloseTo(0.0252, 6);
    const md = reviewMarkdown(facts);
    expect(md).toContain('61.2% at the end of 2026-08, +2.5 points vs 2026-07 (58.7%)');
    expect(md).toContain('1 opened, 0 closed; 4 open at the end of the month');
    expect(md).toContain('| alice@contoso.com | 2 |');
    expect(md).toContain('3 resource(s) would be denied');
    expect(md).toContain('`palisade policy exemption create --name cdn');
    expect(md).toContain('| Microsoft-cloud-security-benchmark | NS.2 | Passed | Failed |');
  });

  it('renders self-contained HTML (no scripts, no external references) with escaped names and an SVG trend', () => {
    const html = reviewHtml(facts);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)|<link /);
    expect(html).toContain('&lt;web-01&gt;');
    expect(html).toContain('data-testid="score-delta">+2.5 points');
    const svg = trendSvg(facts.score.series, '2026-08-01T00:00:00Z');
    expect(svg.match(/[ML]\d/g)).toHaveLength(3);
    expect(svg).toContain('stroke-dasharray'); // the month boundary
    expect(trendSvg([], '2026-08-01T00:00:00Z')).toContain('No scans in this period');
  });
});
