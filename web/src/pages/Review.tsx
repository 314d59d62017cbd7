import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, reviewFacts, reviewReportHtml } from '../api';
import { CopyCode } from '../components/CopyCode';
import { ScoreTrend } from '../components/ScoreTrend';
import { Async, Empty, ErrorBox, TenantScopeHint } from '../components/Status';
import { numeric, TableHead } from '../components/Table';
import { fmtDate, fmtDay, fmtInt, resourceName } from '../format';
import { replaceParams, useAsync } from '../hooks';
import type { ReviewFacts } from '../types';
import type { PageProps } from '../App';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** "2026-08" → "2026-07" (or "2026-09" with +1). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * The review of the current month of the newest data: the server's current month (it knows its clock), else, when
 * that month has no posture snapshot yet (404 NoPostureHistory, typically on the 1st), the month before it.
 */
async function defaultReview(): Promise<ReviewFacts> {
  try {
    return await reviewFacts();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404 || e.code !== 'NoPostureHistory') throw e;
    const current = e.target && MONTH.test(e.target) ? e.target : new Date().toISOString().slice(0, 7);
    return reviewFacts(addMonths(current, -1));
  }
}

const pct = (x: number | undefined, digits = 2) => (x === undefined ? 'n/a' : (x * 100).toFixed(digits));
const signed = (d: number) => `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d * 100).toFixed(2)}`;

export function Review({ params }: PageProps) {
  const asked = params.month && MONTH.test(params.month) ? params.month : undefined;
  const facts = useAsync(() => (asked ? reviewFacts(asked) : defaultReview()), [asked]);
  const month = asked ?? facts.data?.month ?? '';
  const pick = (m: string) => {
    if (MONTH.test(m)) replaceParams({ month: m });
  };

  return (
    <div className="page">
      <h1>Monthly review</h1>
      <p className="muted">The posture review’s fixed agenda for the whole estate: the score against last month, attack paths, overdue owners, new Deny candidates and compliance regressions.</p>
      <div className="filters">
        <div className="field">
          <label htmlFor="review-month">Month</label>
          <input id="review-month" type="month" value={month} max="9999-12" onChange={(e) => pick(e.target.value)} />
        </div>
        <button type="button" disabled={!month} onClick={() => pick(addMonths(month, -1))}>
          ← Previous month
        </button>
        <button type="button" disabled={!month} onClick={() => pick(addMonths(month, 1))}>
          Next month →
        </button>
        {facts.data && (!asked || facts.data.month === asked) ? <ReportButton key={facts.data.month} month={facts.data.month} /> : null}
      </div>
      <Async state={facts.data && asked && facts.data.month !== asked ? { ...facts, data: undefined } : facts} what={`the review${asked ? ` of ${asked}` : ''}`}>
        {(f) => <Agenda facts={f} />}
      </Async>
      {facts.error instanceof ApiError && facts.error.code === 'NoPostureHistory' ? (
        <p className="help">No posture snapshot covers this month or the one before: pick another month, or record history with <code>palisade scan</code> (or <code>palisade history replay</code>).</p>
      ) : null}
      <TenantScopeHint error={facts.error} />
    </div>
  );
}

/**
 * Opens the server's HTML report in a new tab: fetched with the bearer token and shown from a blob URL (the token
 * never goes into an address). The tab is opened during the click, so popup blockers let it through, and navigated
 * once the report has arrived; the links stay for a second look or a download.
 */
function ReportButton({ month }: { month: string }) {
  const [state, setState] = useState<{ busy: boolean; url?: string; error?: Error; blocked?: boolean }>({ busy: false });
  const urlRef = useRef<string | undefined>(undefined);
  useEffect(
    () => () => {
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    },
    [],
  );
  const open = async () => {
    const tab = window.open('', '_blank');
    setState({ busy: true });
    try {
      const html = await reviewReportHtml(month);
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      urlRef.current = url;
      if (tab && !tab.closed) tab.location.href = url;
      setState({ busy: false, url, blocked: !tab });
    } catch (error) {
      tab?.close();
      setState({ busy: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  };
  return (
    <div className="report-links">
      <button type="button" className="primary" onClick={open} disabled={state.busy}>
        {state.busy ? 'Preparing the report…' : 'Open the HTML report'}
      </button>
      {state.url ? (
        <span className="help" role="status">
          {state.blocked ? 'The browser blocked the new tab: ' : 'Opened in a new tab. '}
          <a href={state.url} target="_blank" rel="noopener" data-testid="review-report-link">
            Open again
          </a>{' '}
          ·{' '}
          <a href={state.url} download={`posture-review-${month}.html`}>
            Download
          </a>
        </span>
      ) : null}
      {state.error ? <ErrorBox error={state.error} what={`the HTML report of ${month}`} /> : null}
    </div>
  );
}

function Agenda({ facts: f }: { facts: ReviewFacts }) {
  const delta = f.score.current !== undefined && f.score.previous !== undefined ? f.score.current - f.score.previous : undefined;
  const trend = useMemo(() => f.score.series.map((p) => ({ at: p.at, score: p.percentage })), [f.score.series]);
  const denyResources = f.denyCandidates.reduce((n, d) => n + d.resources, 0);
  return (
    <div data-testid="review" data-month={f.month}>
      <p className="help">
        Review of <strong data-testid="review-month">{f.month}</strong> against {f.previousMonth} · scope {f.scope} · generated {fmtDate(f.generatedAt)}
      </p>
      <ol className="agenda">
        <li>
          <section className="card" aria-labelledby="rv-score">
            <h2 id="rv-score">1. Secure score</h2>
            <div className="score-facts">
              <p className="stat">
                <strong className="big-number">
                  <span data-testid="review-score-current">{pct(f.score.current)}</span>
                  {f.score.current !== undefined ? '%' : ''}
                </strong>{' '}
                at the end of {f.month}
              </p>
              <p>
                {delta !== undefined ? (
                  <span className={`delta ${delta < 0 ? 'down' : delta > 0 ? 'up' : ''}`} data-testid="review-score-delta">
                    {signed(delta)} points
                  </span>
                ) : (
                  <span data-testid="review-score-delta">No comparison</span>
                )}{' '}
                vs {f.previousMonth} (
                <span data-testid="review-score-previous">{pct(f.score.previous)}</span>
                {f.score.previous !== undefined ? '%' : ''}){f.score.previous === undefined ? `: no snapshot in ${f.previousMonth}` : ''}
              </p>
            </div>
            <p className="help">Tenant-wide, one point per posture snapshot over {f.previousMonth} and {f.month}.</p>
            <ScoreTrend points={trend} testId="review-trend" />
          </section>
        </li>
        <li>
          <section className="card" aria-labelledby="rv-paths">
            <h2 id="rv-paths">2. Attack paths</h2>
            <ul className="risk-counts" aria-label="Attack paths opened and closed">
              <li>
                <strong data-testid="review-paths-opened">{f.attackPaths.opened.length}</strong> opened
              </li>
              <li>
                <strong data-testid="review-paths-closed">{f.attackPaths.closed.length}</strong> closed
              </li>
              <li>
                <strong data-testid="review-paths-open">{f.attackPaths.openAtEnd}</strong> open at the end of the month
              </li>
            </ul>
            <PathTable title="Opened" paths={f.attackPaths.opened} testId="review-paths-opened-list" />
            <PathTable title="Closed" paths={f.attackPaths.closed} testId="review-paths-closed-list" />
          </section>
        </li>
        <li>
          <section className="card" aria-labelledby="rv-gov">
            <h2 id="rv-gov">3. Governance SLA breaches</h2>
            <p>
              <strong data-testid="review-overdue-total">{f.governance.overdueTotal}</strong> overdue recommendation{f.governance.overdueTotal === 1 ? '' : 's'}
              {f.governance.breaches.length ? (
                <>
                  {' '}
                  across <span data-testid="review-breach-owners">{f.governance.breaches.length}</span> owner{f.governance.breaches.length === 1 ? '' : 's'}
                </>
              ) : null}
              .
            </p>
            {f.governance.breaches.length ? (
              <div className="table-wrap scroll-box">
                <table className="table" data-testid="review-breaches">
                  <TableHead columns={['Owner', numeric('Overdue'), 'Oldest due date', 'Overdue items']} />
                  <tbody>
                    {f.governance.breaches.map((b) => (
                      <tr key={b.owner} data-owner={b.owner}>
                        <td>{b.owner}</td>
                        <td className="num" data-testid="breach-overdue">
                          {b.overdue}
                        </td>
                        <td className="nowrap">{fmtDay(b.items.map((i) => i.dueDate).sort()[0])}</td>
                        <td>
                          <details>
                            <summary>{b.items.length} item{b.items.length === 1 ? '' : 's'}</summary>
                            <ul className="rec-list">
                              {b.items.map((i, n) => (
                                <li key={n}>
                                  <code title={i.recommendation}>{i.recommendation.slice(0, 8)}…</code> on <span title={i.resourceId}>{resourceName(i.resourceId)}</span>, due {fmtDay(i.dueDate)}
                                </li>
                              ))}
                            </ul>
                          </details>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No owner has an overdue recommendation at the end of {f.month}.</Empty>
            )}
          </section>
        </li>
        <li>
          <section className="card" aria-labelledby="rv-deny">
            <h2 id="rv-deny">4. New Deny candidates</h2>
            <p>
              <strong data-testid="review-deny-count">{f.denyCandidates.length}</strong> audit-mode assignment{f.denyCandidates.length === 1 ? '' : 's'} with new
              non-compliance this month ({fmtInt(denyResources)} resource{denyResources === 1 ? '' : 's'}).
            </p>
            {f.denyCandidates.length ? (
              <ol className="checks" data-testid="review-deny">
                {f.denyCandidates.map((d) => (
                  <li key={d.policyAssignmentId} className="card candidate" data-assignment={d.policyAssignmentId}>
                    <h3 title={d.policyAssignmentId}>{d.policyAssignmentName}</h3>
                    <p>
                      <strong data-testid="review-deny-resources">{fmtInt(d.resources)}</strong> resource{d.resources === 1 ? '' : 's'} would be denied if it
                      enforced Deny (policy <code title={d.policyDefinitionId}>{resourceName(d.policyDefinitionId)}</code>). The legitimate exceptions, as proposed
                      exemptions:
                    </p>
                    {d.proposedExemptions.map((e) => (
                      <div key={e.scope} className="exemption" data-scope={e.scope}>
                        <p className="help">
                          <span title={e.scope}>{resourceName(e.scope)}</span> ({fmtInt(e.resources)} resource{e.resources === 1 ? '' : 's'})
                        </p>
                        <CopyCode text={e.command} />
                      </div>
                    ))}
                  </li>
                ))}
              </ol>
            ) : (
              <Empty>No audit-mode assignment has new non-compliance this month.</Empty>
            )}
          </section>
        </li>
        <li>
          <section className="card" aria-labelledby="rv-compliance">
            <h2 id="rv-compliance">5. Compliance control regressions</h2>
            <p>
              <strong data-testid="review-regressions-count">{f.complianceRegressions.length}</strong> control{f.complianceRegressions.length === 1 ? '' : 's'} regressed.
            </p>
            {f.complianceRegressions.length ? (
              <div className="table-wrap scroll-box">
                <table className="table" data-testid="review-regressions">
                  <TableHead columns={['Standard', 'Control', 'From', 'To']} />
                  <tbody>
                    {f.complianceRegressions.map((r) => (
                      <tr key={`${r.standard}|${r.control}`}>
                        <td>{r.standard}</td>
                        <td>{r.control}</td>
                        <td>
                          <span className={`state state-${r.from.toLowerCase()}`}>{r.from}</span>
                        </td>
                        <td>
                          <span className={`state state-${r.to.toLowerCase()}`}>{r.to}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No control regressed in {f.month}.</Empty>
            )}
          </section>
        </li>
      </ol>
    </div>
  );
}

function PathTable({ title, paths, testId }: { title: string; paths: ReviewFacts['attackPaths']['opened']; testId: string }) {
  if (!paths.length) return null;
  return (
    <>
      <h3>{title}</h3>
      <div className="table-wrap scroll-box">
        <table className="table" data-testid={testId}>
          <TableHead columns={['Risk', 'Path']} />
          <tbody>
            {paths.map((p) => (
              <tr key={p.id}>
                <td>
                  <span className={`risk risk-${p.riskLevel.toLowerCase()}`}>{p.riskLevel}</span>
                </td>
                <td>{p.displayName}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
