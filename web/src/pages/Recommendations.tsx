import { useMemo, useState } from 'react';
import { getSecureScore, listAssessments, listSecureScoreControls } from '../api';
import { ExemptionDialog } from '../components/ExemptionDialog';
import { ParamSelect } from '../components/Filters';
import { SortHeader } from '../components/SortHeader';
import { Async, Empty } from '../components/Status';
import { MoreRows, TableHead } from '../components/Table';
import { fmtInt, fmtPercent, fmtPoints, resourceGroupOf, resourceName, resourceTypeOf, SEVERITY_ORDER, shortenIds } from '../format';
import { replaceParams, routeHref, sortBy, useAsync, useRouteSort } from '../hooks';
import { assessedResourceId, buildRecommendations, type Recommendation } from '../model';
import { SECURITY_WRITE_ROLES } from '../roles';
import type { Assessment, SecureScore, WhoAmI } from '../types';
import type { PageProps } from '../App';

const SORT_KEYS = ['name', 'severity', 'control', 'unhealthy', 'healthy', 'na', 'points'] as const;
type SortKey = (typeof SORT_KEYS)[number];

/** Roles that may write policy exemptions (Microsoft.Authorization/policyExemptions/write). */
export const EXEMPTION_ROLES = SECURITY_WRITE_ROLES;

export function Recommendations({ subscription, who, params, refresh }: PageProps) {
  const sub = subscription.subscriptionId;
  const score = useAsync(() => getSecureScore(sub), [sub]);
  const data = useAsync(async () => {
    const [a, c] = await Promise.all([listAssessments(sub), listSecureScoreControls(sub)]);
    return buildRecommendations(a, c);
  }, [sub]);

  const selected = params.rec ? data.data?.find((r) => r.key.toLowerCase() === params.rec.toLowerCase()) : undefined;

  return (
    <div className="page">
      <h1>Recommendations</h1>
      <ScoreLine score={score.data} loading={score.loading} error={score.error} />
      <Async state={data} what="recommendations">
        {(recs) =>
          params.rec ? (
            selected ? (
              <Detail rec={selected} sub={sub} who={who} score={score.data} refresh={refresh} />
            ) : (
              <div className="error-box" role="alert">
                No recommendation <code>{params.rec}</code> in this subscription. <a href={routeHref('recommendations', { sub })}>All recommendations</a>
              </div>
            )
          ) : (
            <List recs={recs} params={params} sub={sub} />
          )
        }
      </Async>
    </div>
  );
}

function ScoreLine({ score, loading, error }: { score?: SecureScore; loading: boolean; error?: Error }) {
  return (
    <p className="score-line" aria-live="polite" data-testid="rec-score">
      Secure score:{' '}
      {score ? (
        <>
          <strong data-testid="rec-score-current">{fmtPoints(score.properties.score.current)}</strong> / {fmtPoints(score.properties.score.max)} (
          {fmtPercent(score.properties.score.percentage, 1)})
        </>
      ) : error ? (
        <span className="error-text">unavailable ({error.message})</span>
      ) : (
        '…'
      )}
      {loading && score ? <span className="muted"> · updating…</span> : null}
    </p>
  );
}

function List({ recs, params, sub }: { recs: Recommendation[]; params: Record<string, string>; sub: string }) {
  const q = params.q ?? '';
  const sev = params.severity ?? '';
  const status = params.status ?? 'Unhealthy';
  const control = params.control ?? '';
  const sort = useRouteSort<SortKey>(params, SORT_KEYS, 'points');
  const controls = useMemo(() => [...new Set(recs.map((r) => r.controlName).filter((c): c is string => !!c))].sort(), [recs]);
  const severities = useMemo(() => [...new Set(recs.map((r) => r.severity))].sort((a, b) => (SEVERITY_ORDER[b] ?? 0) - (SEVERITY_ORDER[a] ?? 0)), [recs]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const f = recs.filter(
      (r) =>
        (!needle || r.displayName.toLowerCase().includes(needle) || r.key.toLowerCase().includes(needle)) &&
        (!sev || r.severity === sev) &&
        (!control || r.controlName === control) &&
        (status === 'All' || (status === 'Unhealthy' ? r.unhealthy > 0 : status === 'Healthy' ? r.unhealthy === 0 && r.healthy > 0 : r.unhealthy === 0 && r.healthy === 0)),
    );
    const value: Record<SortKey, (r: Recommendation) => unknown> = {
      name: (r) => r.displayName,
      severity: (r) => SEVERITY_ORDER[r.severity] ?? 0,
      control: (r) => r.controlName ?? '',
      unhealthy: (r) => r.unhealthy,
      healthy: (r) => r.healthy,
      na: (r) => r.notApplicable,
      points: (r) => r.pointsAtRisk * 1e6 + r.unhealthy,
    };
    return sortBy(f, value[sort.key], sort.dir);
  }, [recs, q, sev, control, status, sort.key, sort.dir]);

  const unhealthyRecs = recs.filter((r) => r.unhealthy > 0).length;
  const unhealthyResources = new Set(recs.flatMap((r) => r.assessments.filter((a) => a.properties.status.code === 'Unhealthy').map((a) => assessedResourceId(a).toLowerCase()))).size;

  return (
    <>
      <p className="summary">
        <span data-testid="rec-unhealthy-count">{fmtInt(unhealthyRecs)}</span> of <span data-testid="rec-total-count">{fmtInt(recs.length)}</span>{' '}
        recommendations unhealthy on <span data-testid="rec-unhealthy-resources">{fmtInt(unhealthyResources)}</span> resources.
      </p>
      <form className="filters" role="search" aria-label="Filter recommendations" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="rec-q">Search</label>
          <input id="rec-q" type="search" value={q} placeholder="Name or key" onChange={(e) => replaceParams({ q: e.target.value || undefined })} />
        </div>
        <div className="field">
          <label htmlFor="rec-status">Status</label>
          <select id="rec-status" value={status} onChange={(e) => replaceParams({ status: e.target.value })}>
            <option value="Unhealthy">Unhealthy</option>
            <option value="Healthy">Healthy</option>
            <option value="NotApplicable">Not applicable</option>
            <option value="All">All</option>
          </select>
        </div>
        <ParamSelect id="rec-sev" label="Severity" param="severity" value={sev} options={severities} />
        <ParamSelect id="rec-ctl" label="Control" param="control" value={control} options={controls} />
        <p className="field-count" aria-live="polite">
          <span data-testid="rec-shown">{rows.length}</span> shown
        </p>
      </form>
      {rows.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="recommendations-table">
            <thead>
              <tr>
                <SortHeader sort={sort} k="name" label="Recommendation" />
                <SortHeader sort={sort} k="severity" label="Severity" />
                <SortHeader sort={sort} k="control" label="Control" />
                <SortHeader sort={sort} k="unhealthy" label="Unhealthy" numeric />
                <SortHeader sort={sort} k="healthy" label="Healthy" numeric />
                <SortHeader sort={sort} k="na" label="Not applicable" numeric />
                <SortHeader sort={sort} k="points" label="Points at risk" numeric />
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-key={r.key}>
                  <td>
                    <a href={routeHref('recommendations', { ...params, sub, rec: r.key })}>{r.displayName}</a>
                    {r.preview ? <span className="tag">Preview</span> : null}
                  </td>
                  <td>
                    <span className={`sev sev-${r.severity.toLowerCase()}`}>{r.severity}</span>
                  </td>
                  <td>{r.controlName ?? '–'}</td>
                  <td className="num">{fmtInt(r.unhealthy)}</td>
                  <td className="num">{fmtInt(r.healthy)}</td>
                  <td className="num">{fmtInt(r.notApplicable)}</td>
                  <td className="num">{r.pointsAtRisk > 0 ? `+${fmtPoints(r.pointsAtRisk)}` : '0'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Empty>No recommendation matches the filters.</Empty>
      )}
    </>
  );
}

const STATUS_ORDER: Record<string, number> = { Unhealthy: 0, Healthy: 1, NotApplicable: 2 };
/** Resource rows shown before "Show all". */
const RESOURCE_ROWS = 200;

function Detail({ rec, sub, who, score, refresh }: { rec: Recommendation; sub: string; who: WhoAmI; score?: SecureScore; refresh(): void }) {
  const [status, setStatus] = useState<string>('All');
  const [exempting, setExempting] = useState<Assessment | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [limit, setLimit] = useState(RESOURCE_ROWS);
  const canExempt = EXEMPTION_ROLES.includes(who.role);
  const rows = useMemo(
    () =>
      [...rec.assessments]
        .filter((a) => status === 'All' || a.properties.status.code === status)
        .sort((a, b) => (STATUS_ORDER[a.properties.status.code] ?? 3) - (STATUS_ORDER[b.properties.status.code] ?? 3) || assessedResourceId(a).localeCompare(assessedResourceId(b))),
    [rec, status],
  );
  const backParams: Record<string, string | undefined> = { ...Object.fromEntries(new URLSearchParams(window.location.hash.split('?')[1] ?? '')), rec: undefined };

  return (
    <article className="detail" aria-labelledby="rec-title">
      <p>
        <a href={routeHref('recommendations', backParams)}>← All recommendations</a>
      </p>
      <h2 id="rec-title">{rec.displayName}</h2>
      <dl className="facts">
        <div>
          <dt>Severity</dt>
          <dd>
            <span className={`sev sev-${rec.severity.toLowerCase()}`}>{rec.severity}</span>
          </dd>
        </div>
        <div>
          <dt>Control</dt>
          <dd>{rec.controlName ? <a href={routeHref('controls', { sub, control: rec.controlId })}>{rec.controlName}</a> : '–'}</dd>
        </div>
        <div>
          <dt>Unhealthy / healthy / not applicable</dt>
          <dd data-testid="rec-detail-counts">
            {rec.unhealthy} / {rec.healthy} / {rec.notApplicable}
          </dd>
        </div>
        <div>
          <dt>Points at risk</dt>
          <dd>{fmtPoints(rec.pointsAtRisk)}</dd>
        </div>
        <div>
          <dt>Effort / user impact</dt>
          <dd>
            {rec.implementationEffort || '–'} / {rec.userImpact || '–'}
          </dd>
        </div>
        <div>
          <dt>Key</dt>
          <dd>
            <code>{rec.key}</code>
          </dd>
        </div>
      </dl>
      {rec.description ? <p>{rec.description}</p> : null}
      {rec.remediation ? (
        <section aria-labelledby="rec-remediation">
          <h3 id="rec-remediation">Remediation</h3>
          <p>{rec.remediation}</p>
        </section>
      ) : null}
      {done ? (
        <p className="success" role="status" data-testid="exemption-done">
          {done}
        </p>
      ) : null}
      <section aria-labelledby="rec-resources">
        <h3 id="rec-resources">Resources</h3>
        <div className="filters">
          <div className="field">
            <label htmlFor="rec-res-status">Status</label>
            <select id="rec-res-status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="All">All</option>
              <option value="Unhealthy">Unhealthy</option>
              <option value="Healthy">Healthy</option>
              <option value="NotApplicable">Not applicable</option>
            </select>
          </div>
          {!canExempt ? (
            <p className="help">Your role ({who.role}) cannot create exemptions: that needs SecurityAdmin, Contributor or Owner.</p>
          ) : null}
        </div>
        {rows.length ? (
          <div className="table-wrap">
            <table className="table" data-testid="rec-resources">
              <TableHead columns={['Resource', 'Type', 'Resource group', 'Status', 'Reason', { label: <span className="sr-only">Actions</span> }]} />
              <tbody>
                {rows.slice(0, limit).map((a) => {
                  const rid = assessedResourceId(a);
                  const code = a.properties.status.code;
                  return (
                    <tr key={a.id} data-resource-id={rid}>
                      <td title={rid} className="nowrap">
                        <a href={routeHref('inventory', { sub, q: resourceName(rid) })}>{resourceName(rid)}</a>
                      </td>
                      <td>{resourceTypeOf(rid)}</td>
                      <td>{resourceGroupOf(rid) ?? '–'}</td>
                      <td>
                        <span className={`status status-${code.toLowerCase()}`}>{code === 'NotApplicable' ? 'Not applicable' : code}</span>
                      </td>
                      <td className="reason" title={a.properties.status.description}>
                        {shortenIds(a.properties.status.description ?? a.properties.status.cause ?? '')}
                      </td>
                      <td>
                        {code === 'Unhealthy' ? (
                          <button
                            type="button"
                            className="small"
                            disabled={!canExempt}
                            aria-label={`Exempt ${resourceName(rid)}`}
                            onClick={() => {
                              setDone(undefined);
                              setExempting(a);
                            }}
                          >
                            Exempt
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <MoreRows limit={limit} total={rows.length} onShowAll={() => setLimit(rows.length)} />
          </div>
        ) : (
          <Empty>No resource with this status.</Empty>
        )}
      </section>
      {exempting ? (
        <ExemptionDialog
          assessment={exempting}
          recommendation={rec}
          subscriptionId={sub}
          onClose={() => setExempting(undefined)}
          onCreated={(name) => {
            setExempting(undefined);
            setDone(
              `Exemption '${name}' created${score ? `; the secure score was ${fmtPoints(score.properties.score.current)} before it` : ''}. The data has been reloaded.`,
            );
            refresh();
          }}
        />
      ) : null}
    </article>
  );
}
