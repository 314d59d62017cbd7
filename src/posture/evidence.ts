/**
 * Evidence for auditors: one regulatory compliance standard with its per-control and per-resource results, as data
 * (`complianceEvidence`) and as CSV, JSON and self-contained HTML (`evidenceCsv`, `evidenceJson`, `evidenceHtml`).
 * The per-resource state is the one the compliance counts use: the states of the initiative's assignments rolled up
 * per (reference, resource); passed = Compliant, failed = NonCompliant | Conflicting, skipped = Exempt | Unknown.
 */
import { rollUp, type PolicyComplianceState } from '../policy/index.js';
import type { PolicyStateInput } from './assessments.js';
import type { ComplianceStandardResult, ComplianceStateName } from './compliance.js';

export type EvidenceResourceState = 'Passed' | 'Failed' | 'Skipped';

export interface EvidenceResource {
  resourceId: string;
  resourceType: string;
  subscriptionId: string;
  state: EvidenceResourceState;
  complianceState: PolicyComplianceState;
  reason: string;
}

export interface EvidenceAssessment {
  name: string;
  description: string;
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  state: ComplianceStateName;
  passedResources: number;
  failedResources: number;
  skippedResources: number;
  resources: EvidenceResource[];
}

export interface EvidenceControl {
  name: string;
  description: string;
  state: ComplianceStateName;
  passedAssessments: number;
  failedAssessments: number;
  skippedAssessments: number;
  passedResources: number;
  failedResources: number;
  skippedResources: number;
  assessments: EvidenceAssessment[];
}

export interface ComplianceEvidence {
  generator: string;
  evaluatedAt: string;
  /** `/` (the estate) or `/subscriptions/{id}`. */
  scope: string;
  standard: {
    name: string;
    displayName: string;
    policySetDefinitionId: string;
    state: ComplianceStateName;
    passedControls: number;
    failedControls: number;
    skippedControls: number;
    unsupportedControls: number;
  };
  controls: EvidenceControl[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ORDER: Record<EvidenceResourceState, number> = { Failed: 0, Passed: 1, Skipped: 2 };

/** The evidence of one standard result (from `computeRegulatoryCompliance`) over the states it was computed from. */
export function complianceEvidence(input: { standard: ComplianceStandardResult; states: Iterable<PolicyStateInput>; evaluatedAt: Date; scope: string; subscriptionId?: string; generator?: string }): ComplianceEvidence {
  const set = input.standard.policySetDefinitionId.toLowerCase();
  const sub = input.subscriptionId?.toLowerCase();
  const perRef = new Map<string, Map<string, { state: PolicyComplianceState; reason: string; type: string; sub: string; id: string }>>();
  for (const s of input.states) {
    if ((s.policySetDefinitionId ?? '').toLowerCase() !== set) continue;
    if (sub !== undefined && s.subscriptionId.toLowerCase() !== sub) continue;
    const ref = s.policyDefinitionReferenceId.toLowerCase();
    let m = perRef.get(ref);
    if (!m) perRef.set(ref, (m = new Map()));
    const k = s.resourceId.toLowerCase();
    const prev = m.get(k);
    const state = rollUp(prev?.state, s.complianceState);
    if (!prev) m.set(k, { state, reason: s.reason ?? '', type: s.resourceType ?? '', sub: s.subscriptionId, id: s.resourceId });
    else {
      if (state !== prev.state && state === s.complianceState) prev.reason = s.reason ?? '';
      prev.state = state;
    }
  }
  const controls: EvidenceControl[] = input.standard.controls.map((c) => ({
    name: c.name,
    description: c.description,
    state: c.state,
    passedAssessments: c.passedAssessments,
    failedAssessments: c.failedAssessments,
    skippedAssessments: c.skippedAssessments,
    passedResources: c.passedResources,
    failedResources: c.failedResources,
    skippedResources: c.skippedResources,
    assessments: c.assessments.map((a) => {
      const resources: EvidenceResource[] = [...(perRef.get(a.policyDefinitionReferenceId.toLowerCase())?.values() ?? [])].map((r) => ({
        resourceId: r.id,
        resourceType: r.type,
        subscriptionId: r.sub,
        state: r.state === 'Compliant' ? 'Passed' : r.state === 'NonCompliant' || r.state === 'Conflicting' ? 'Failed' : 'Skipped',
        complianceState: r.state,
        reason: r.reason,
      }));
      resources.sort((x, y) => ORDER[x.state] - ORDER[y.state] || cmp(x.resourceId.toLowerCase(), y.resourceId.toLowerCase()));
      return {
        name: a.name,
        description: a.description,
        policyDefinitionId: a.policyDefinitionId,
        policyDefinitionReferenceId: a.policyDefinitionReferenceId,
        state: a.state,
        passedResources: a.passedResources,
        failedResources: a.failedResources,
        skippedResources: a.skippedResources,
        resources,
      };
    }),
  }));
  const s = input.standard;
  return {
    generator: input.generator ?? 'Palisade',
    evaluatedAt: input.evaluatedAt.toISOString(),
    scope: input.scope,
    standard: {
      name: s.name,
      displayName: s.displayName,
      policySetDefinitionId: s.policySetDefinitionId,
      state: s.state,
      passedControls: s.passedControls,
      failedControls: s.failedControls,
      skippedControls: s.skippedControls,
      unsupportedControls: s.unsupportedControls,
    },
    controls,
  };
}

export function evidenceJson(e: ComplianceEvidence): string {
  return `${JSON.stringify(e, null, 2)}\n`;
}

export const EVIDENCE_CSV_COLUMNS = [
  'evaluatedAt',
  'standard',
  'scope',
  'control',
  'controlDescription',
  'controlState',
  'assessment',
  'assessmentDescription',
  'policyDefinitionId',
  'policyDefinitionReferenceId',
  'assessmentState',
  'resourceId',
  'resourceType',
  'subscriptionId',
  'resourceState',
  'complianceState',
  'reason',
] as const;

/** RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes. */
export function csvField(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per (control, assessment, resource); a control without assessments and an assessment without resources
 * still get one row (empty resource columns), so every control has its state in the file. CRLF line ends (RFC 4180).
 */
export function evidenceCsv(e: ComplianceEvidence): string {
  const lines: string[] = [EVIDENCE_CSV_COLUMNS.join(',')];
  const row = (values: unknown[]) => lines.push(values.map(csvField).join(','));
  for (const c of e.controls) {
    const base = [e.evaluatedAt, e.standard.name, e.scope, c.name, c.description, c.state];
    if (c.assessments.length === 0) row([...base, '', '', '', '', '', '', '', '', '', '', '']);
    for (const a of c.assessments) {
      const ab = [...base, a.name, a.description, a.policyDefinitionId, a.policyDefinitionReferenceId, a.state];
      if (a.resources.length === 0) row([...ab, '', '', '', '', '', '']);
      for (const r of a.resources) row([...ab, r.resourceId, r.resourceType, r.subscriptionId, r.state, r.complianceState, r.reason]);
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;margin:0;padding:24px 32px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a;margin:0 0 16px}.meta code{font-size:12px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0 20px}.card{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#57606a;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
table{border-collapse:collapse;width:100%;margin:6px 0 14px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.Passed{color:#116329;font-weight:600}.Failed{color:#a40e26;font-weight:600}.Skipped,.Unsupported{color:#6e7781;font-weight:600}
details{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:6px 10px;page-break-inside:avoid}summary{cursor:pointer;font-weight:600}
.rid{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}.note{color:#57606a;font-size:12px}
@media print{body{padding:0}details{border:none;padding:0}details>summary{list-style:none}}
`;

/**
 * A self-contained HTML report (inline CSS, no script, no external resource): the standard's summary, a table of
 * controls, and per control its assessments with their resources — failed first, at most `maxResources` per
 * assessment (the CSV and JSON exports hold every row).
 */
export function evidenceHtml(e: ComplianceEvidence, options: { maxResources?: number; open?: boolean } = {}): string {
  const max = options.maxResources ?? 200;
  const s = e.standard;
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${esc(s.displayName)} — compliance evidence</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>${esc(s.displayName)}</h1>`);
  out.push(
    `<p class="meta">Regulatory compliance evidence generated by ${esc(e.generator)}. Evaluated at <b>${esc(e.evaluatedAt)}</b>; scope <code>${esc(e.scope)}</code>; initiative <code>${esc(s.policySetDefinitionId)}</code>.</p>`,
  );
  out.push('<div class="cards">');
  out.push(`<div class="card"><span>State</span><b class="${esc(s.state)}">${esc(s.state)}</b></div>`);
  for (const [label, n] of [
    ['Passed controls', s.passedControls],
    ['Failed controls', s.failedControls],
    ['Skipped controls', s.skippedControls],
    ['Controls', e.controls.length],
  ] as const)
    out.push(`<div class="card"><span>${label}</span><b>${n}</b></div>`);
  out.push('</div>');
  out.push('<h2>Controls</h2><table><thead><tr><th>Control</th><th>Description</th><th>State</th><th>Passed assessments</th><th>Failed assessments</th><th>Skipped assessments</th><th>Failed resources</th><th>Passed resources</th></tr></thead><tbody>');
  for (const c of e.controls) {
    out.push(
      `<tr><td><a href="#c-${esc(c.name)}">${esc(c.name)}</a></td><td>${esc(c.description)}</td><td class="${esc(c.state)}">${esc(c.state)}</td><td class="num">${c.passedAssessments}</td><td class="num">${c.failedAssessments}</td><td class="num">${c.skippedAssessments}</td><td class="num">${c.failedResources}</td><td class="num">${c.passedResources}</td></tr>`,
    );
  }
  out.push('</tbody></table>');
  out.push('<h2>Results per control and resource</h2>');
  for (const c of e.controls) {
    out.push(`<details id="c-${esc(c.name)}"${options.open || c.state === 'Failed' ? ' open' : ''}><summary>${esc(c.name)} — ${esc(c.description)} — <span class="${esc(c.state)}">${esc(c.state)}</span></summary>`);
    if (c.assessments.length === 0) out.push('<p class="note">No automated assessment: the control needs a manual attestation (Skipped).</p>');
    for (const a of c.assessments) {
      out.push(
        `<p><b>${esc(a.description)}</b> <span class="${esc(a.state)}">${esc(a.state)}</span> <span class="note">(${a.failedResources} failed, ${a.passedResources} passed, ${a.skippedResources} skipped; ${esc(a.policyDefinitionReferenceId)})</span></p>`,
      );
      if (a.resources.length === 0) continue;
      out.push('<table><thead><tr><th>Resource</th><th>Type</th><th>State</th><th>Reason</th></tr></thead><tbody>');
      for (const r of a.resources.slice(0, max)) {
        out.push(`<tr><td class="rid">${esc(r.resourceId)}</td><td>${esc(r.resourceType)}</td><td class="${esc(r.state)}">${esc(r.state)}</td><td>${esc(r.reason)}</td></tr>`);
      }
      out.push('</tbody></table>');
      if (a.resources.length > max) out.push(`<p class="note">${a.resources.length - max} more resources are in the CSV and JSON exports.</p>`);
    }
    out.push('</details>');
  }
  out.push('</body></html>\n');
  return out.join('\n');
}
