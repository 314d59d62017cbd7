/**
 * The monthly posture review (the article's fixed agenda): secure score delta vs last month with a trend chart,
 * attack paths opened and closed, governance SLA breaches by owner, new Deny candidates from audit-mode findings (with
 * the legitimate exceptions as proposed exemptions), and compliance control regressions. The facts are gathered by
 * the caller; this module renders them as Markdown or as self-contained HTML (inline CSS and SVG, no scripts, no
 * network), which also prints to PDF.
 */

export interface ReviewScorePoint {
  at: string;
  /** 0..1 */
  percentage: number;
}

export interface ReviewPath {
  id: string;
  displayName: string;
  riskLevel: string;
}

export interface ReviewBreach {
  owner: string;
  overdue: number;
  items: Array<{ recommendation: string; resourceId: string; dueDate: string }>;
}

export interface ReviewDenyCandidate {
  policyAssignmentId: string;
  policyAssignmentName: string;
  policyDefinitionId: string;
  /** resources that would be denied if the assignment's effect were Deny */
  resources: number;
  /** the groups a reviewer marks legitimate, each with the exemption that carves it out */
  proposedExemptions: Array<{ scope: string; resources: number; command: string }>;
}

export interface ReviewRegression {
  standard: string;
  control: string;
  from: string;
  to: string;
}

export interface ReviewFacts {
  /** YYYY-MM */
  month: string;
  previousMonth: string;
  scope: string;
  generatedAt: string;
  score: { current?: number; previous?: number; series: ReviewScorePoint[] };
  attackPaths: { opened: ReviewPath[]; closed: ReviewPath[]; openAtEnd: number };
  governance: { breaches: ReviewBreach[]; overdueTotal: number };
  denyCandidates: ReviewDenyCandidate[];
  complianceRegressions: ReviewRegression[];
}

export function scoreDelta(f: ReviewFacts): number | undefined {
  return f.score.current !== undefined && f.score.previous !== undefined ? f.score.current - f.score.previous : undefined;
}

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const points = (d: number | undefined) => (d === undefined ? 'n/a' : `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} points`);

/** Markdown: one section per agenda item. */
export function reviewMarkdown(f: ReviewFacts): string {
  const out: string[] = [];
  out.push(`# Posture review ${f.month}`, '', `Scope: ${f.scope}. Generated ${f.generatedAt}.`, '');
  out.push('## Secure score', '', `${pct(f.score.current)} at the end of ${f.month}, ${points(scoreDelta(f))} vs ${f.previousMonth} (${pct(f.score.previous)}).`, '');
  out.push('## Attack paths', '', `${f.attackPaths.opened.length} opened, ${f.attackPaths.closed.length} closed; ${f.attackPaths.openAtEnd} open at the end of the month.`, '');
  for (const [title, list] of [
    ['Opened', f.attackPaths.opened],
    ['Closed', f.attackPaths.closed],
  ] as const) {
    if (list.length === 0) continue;
    out.push(`### ${title}`, '', '| risk | path |', '|---|---|', ...list.map((p) => `| ${p.riskLevel} | ${p.displayName} |`), '');
  }
  out.push('## Governance SLA breaches', '', f.governance.overdueTotal === 0 ? 'No overdue recommendations.' : `${f.governance.overdueTotal} overdue recommendation(s).`, '');
  if (f.governance.breaches.length > 0) out.push('| owner | overdue |', '|---|---|', ...f.governance.breaches.map((b) => `| ${b.owner} | ${b.overdue} |`), '');
  out.push('## New Deny candidates', '');
  if (f.denyCandidates.length === 0) out.push('No audit-mode assignment has new non-compliance.', '');
  for (const d of f.denyCandidates) {
    out.push(`### ${d.policyAssignmentName}`, '', `${d.resources} resource(s) would be denied if \`${d.policyAssignmentId}\` enforced Deny. Legitimate exceptions, as proposed exemptions:`, '');
    for (const e of d.proposedExemptions) out.push(`- ${e.scope} (${e.resources}): \`${e.command}\``);
    out.push('');
  }
  out.push('## Compliance control regressions', '');
  if (f.complianceRegressions.length === 0) out.push('No control regressed.', '');
  else out.push('| standard | control | from | to |', '|---|---|---|---|', ...f.complianceRegressions.map((r) => `| ${r.standard} | ${r.control} | ${r.from} | ${r.to} |`), '');
  return `${out.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The score series as an inline SVG line chart (0–100%), the month boundary marked. */
export function trendSvg(series: readonly ReviewScorePoint[], monthStart: string, width = 640, height = 200): string {
  const pad = { left: 40, right: 10, top: 10, bottom: 24 };
  if (series.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="no score history"><text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12">No scans in this period</text></svg>`;
  const times = series.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const values = series.map((p) => p.percentage);
  const lo = Math.max(0, Math.floor((Math.min(...values) - 0.02) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...values) + 0.02) * 20) / 20);
  const x = (t: number) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - (v - lo) / Math.max(hi - lo, 0.01)) * (height - pad.top - pad.bottom);
  const path = series.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(times[i]).toFixed(1)},${y(p.percentage).toFixed(1)}`).join(' ');
  const boundary = Date.parse(monthStart);
  const marker = boundary > t0 && boundary < t1 ? `<line x1="${x(boundary).toFixed(1)}" x2="${x(boundary).toFixed(1)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#999" stroke-dasharray="4 3"/>` : '';
  const ticks = [lo, (lo + hi) / 2, hi].map((v) => `<text x="${pad.left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${(v * 100).toFixed(0)}%</text>`).join('');
  const labels = [series[0], series[series.length - 1]].map((p, i) => `<text x="${i === 0 ? pad.left : width - pad.right}" y="${height - 6}" text-anchor="${i === 0 ? 'start' : 'end'}" font-size="10">${escapeHtml(p.at.slice(0, 10))}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="secure score trend">${ticks}${labels}${marker}<path d="${path}" fill="none" stroke="#0a66c2" stroke-width="2"/></svg>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Self-contained HTML (what the PDF prints). */
export function reviewHtml(f: ReviewFacts): string {
  const delta = scoreDelta(f);
  const sections: string[] = [];
  sections.push(
    `<section id="score"><h2>Secure score</h2><p class="big" data-testid="score-current">${pct(f.score.current)}</p><p><span data-testid="score-delta">${points(delta)}</span> vs ${escapeHtml(f.previousMonth)} (${pct(f.score.previous)})</p>${trendSvg(f.score.series, `${f.month}-01T00:00:00Z`)}</section>`,
  );
  sections.push(
    `<section id="paths"><h2>Attack paths</h2><p><span data-testid="paths-opened">${f.attackPaths.opened.length}</span> opened, <span data-testid="paths-closed">${f.attackPaths.closed.length}</span> closed; ${f.attackPaths.openAtEnd} open at the end of the month.</p>${
      f.attackPaths.opened.length > 0 ? `<h3>Opened</h3>${table(['Risk', 'Path'], f.attackPaths.opened.map((p) => [p.riskLevel, p.displayName]))}` : ''
    }${f.attackPaths.closed.length > 0 ? `<h3>Closed</h3>${table(['Risk', 'Path'], f.attackPaths.closed.map((p) => [p.riskLevel, p.displayName]))}` : ''}</section>`,
  );
  sections.push(
    `<section id="governance"><h2>Governance SLA breaches</h2><p><span data-testid="overdue-total">${f.governance.overdueTotal}</span> overdue recommendation(s).</p>${
      f.governance.breaches.length > 0 ? table(['Owner', 'Overdue', 'Oldest due date'], f.governance.breaches.map((b) => [b.owner, String(b.overdue), b.items.map((i) => i.dueDate).sort()[0] ?? ''])) : ''
    }</section>`,
  );
  sections.push(
    `<section id="deny"><h2>New Deny candidates</h2>${
      f.denyCandidates.length === 0
        ? '<p>No audit-mode assignment has new non-compliance.</p>'
        : f.denyCandidates
            .map((d) => `<h3>${escapeHtml(d.policyAssignmentName)}</h3><p>${d.resources} resource(s) would be denied if it enforced Deny. Proposed exemptions for the legitimate exceptions:</p>${table(['Scope', 'Resources', 'Command'], d.proposedExemptions.map((e) => [e.scope, String(e.resources), e.command]))}`)
            .join('')
    }</section>`,
  );
  sections.push(
    `<section id="compliance"><h2>Compliance control regressions</h2>${f.complianceRegressions.length === 0 ? '<p>No control regressed.</p>' : table(['Standard', 'Control', 'From', 'To'], f.complianceRegressions.map((r) => [r.standard, r.control, r.from, r.to]))}</section>`,
  );
  const css =
    'body{font:14px/1.45 system-ui,sans-serif;margin:32px;color:#1b1b1b}h1{margin:0 0 4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;font-size:12px;vertical-align:top}th{background:#f4f6f8}.big{font-size:32px;margin:4px 0}.meta{color:#555}section{page-break-inside:avoid}';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Posture review ${escapeHtml(f.month)}</title><style>${css}</style></head><body><h1>Posture review ${escapeHtml(f.month)}</h1><p class="meta">Scope ${escapeHtml(f.scope)} · generated ${escapeHtml(f.generatedAt)}</p>${sections.join('')}</body></html>`;
}
