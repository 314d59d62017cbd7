import { useMemo, useState } from 'react';
import { driftWindow, listSubscriptions } from '../api';
import { CopyCode } from '../components/CopyCode';
import { Async, Empty, TenantScopeHint } from '../components/Status';
import { TableHead } from '../components/Table';
import { fmtDate, fmtInt, fmtPoints, resourceGroupOf, resourceName, resourceTypeOf } from '../format';
import { replaceParams, useAsync } from '../hooks';
import { DRIFT_KINDS, type DenyCandidate, type Drift as DriftItem, type DriftKind, type DriftWindow } from '../types';
import type { PageProps } from '../App';

/** The windows the page offers (`since` of `GET /palisade/v1/drift`). */
export const DRIFT_WINDOWS = [
  { id: '1d', label: '1 day' },
  { id: '7d', label: '7 days' },
  { id: '30d', label: '30 days' },
] as const;
const DEFAULT_WINDOW = '7d';
/** Resources listed before "Show all". */
const RESOURCE_ROWS = 50;

export const DRIFT_KIND_TITLES: Record<DriftKind, string> = {
  SecureScoreDrop: 'Secure score drops',
  ControlHealthDrop: 'Control health drops',
  AttackPathOpened: 'Attack paths opened',
  AuditModeNonCompliance: 'New audit-mode non-compliance',
  UnprotectedSubscription: 'Unprotected subscriptions',
};

const KIND_HELP: Record<DriftKind, string> = {
  SecureScoreDrop: 'A subscription’s (or the tenant’s) secure score fell by more than the threshold (5 points).',
  ControlHealthDrop: 'A control’s share of healthy resources, tenant-wide, fell by more than the threshold (5 points).',
  AttackPathOpened: 'An attack path template now enters a subscription that had none.',
  AuditModeNonCompliance: 'Resources newly non-compliant with a policy that is only audited: a Deny would have stopped them.',
  UnprotectedSubscription: 'A subscription joined without Defender CSPM, or lost it.',
};

export function Drift({ params }: PageProps) {
  const since = DRIFT_WINDOWS.some((w) => w.id === params.since) ? params.since : DEFAULT_WINDOW;
  return (
    <div className="page">
      <h1>Drift</h1>
      <p className="muted">
        What got worse between two posture snapshots across the estate, the changes behind it, and the audit-mode assignment that would have stopped it
        had it denied.
      </p>
      <div className="filters">
        <div className="field">
          <span className="field-label" id="drift-window-label">
            Window
          </span>
          <div className="segmented" role="group" aria-labelledby="drift-window-label">
            {DRIFT_WINDOWS.map((w) => (
              <button
                key={w.id}
                type="button"
                className="count-chip"
                aria-pressed={since === w.id}
                onClick={() => replaceParams({ since: w.id === DEFAULT_WINDOW ? undefined : w.id })}
                title={`Compare the newest snapshot with the one ${w.label} earlier`}
              >
                {w.id}
              </button>
            ))}
          </div>
        </div>
      </div>
      {/* keyed by the window: a new window shows its own loading state, never the previous window's drifts */}
      <DriftResults key={since} since={since} />
    </div>
  );
}

function DriftResults({ since }: { since: string }) {
  const data = useAsync(() => driftWindow(since), [since]);
  const subs = useAsync(listSubscriptions, []);
  const names = useMemo(() => new Map((subs.data ?? []).map((s) => [s.subscriptionId.toLowerCase(), s.displayName])), [subs.data]);
  return (
    <>
      <Async state={data} what={`the drift of the last ${since}`}>
        {(w) => <Window window={w} since={since} names={names} />}
      </Async>
      <TenantScopeHint error={data.error} />
    </>
  );
}

function Window({ window: w, since, names }: { window: DriftWindow; since: string; names: Map<string, string> }) {
  const byKind = useMemo(() => {
    const m = new Map<DriftKind, DriftItem[]>(DRIFT_KINDS.map((k) => [k, []]));
    for (const d of w.drifts) (m.get(d.kind) ?? m.set(d.kind, []).get(d.kind)!).push(d);
    return m;
  }, [w.drifts]);
  return (
    <div data-testid="drift-window" data-since={since}>
      <section className="card" aria-labelledby="drift-snapshots-h">
        <h2 id="drift-snapshots-h">Compared snapshots</h2>
        {w.from && w.to ? (
          <p className="snapshot-pair">
            <span data-testid="drift-from" title={`Snapshot ${w.from.snapshotId}`}>
              {fmtDate(w.from.takenAt)}
            </span>{' '}
            <span aria-label="to">→</span>{' '}
            <span data-testid="drift-to" title={`Snapshot ${w.to.snapshotId}`}>
              {fmtDate(w.to.takenAt)}
            </span>
          </p>
        ) : (
          <Empty>
            {w.to
              ? `Only one posture snapshot in reach (${fmtDate(w.to.takenAt)}): there is nothing ${since} earlier to compare it with.`
              : 'No posture snapshot yet: run palisade scan (or palisade history replay).'}
          </Empty>
        )}
        {w.warnings.length ? (
          <ul className="notice warnings" data-testid="drift-warnings">
            {w.warnings.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        ) : null}
        <ul className="risk-counts" aria-label="Drifts by kind">
          <li>
            <strong data-testid="drift-total">{w.drifts.length}</strong> drift{w.drifts.length === 1 ? '' : 's'}
          </li>
          {DRIFT_KINDS.map((k) => {
            const n = byKind.get(k)?.length ?? 0;
            return (
              <li key={k}>
                {n ? <a href={`#drift-kind-${k}`} onClick={(e) => jump(e, `drift-kind-${k}`)}>{DRIFT_KIND_TITLES[k]}</a> : <span className="muted">{DRIFT_KIND_TITLES[k]}</span>}{' '}
                <span className="tag" data-testid={`drift-count-${k}`}>
                  {n}
                </span>
              </li>
            );
          })}
        </ul>
      </section>
      {w.from && w.to && !w.drifts.length ? <Empty>No drift in this window: nothing got worse beyond the thresholds.</Empty> : null}
      {DRIFT_KINDS.filter((k) => byKind.get(k)?.length).map((k) => (
        <section key={k} className="section" aria-labelledby={`drift-kind-${k}`} data-kind={k}>
          <h2 id={`drift-kind-${k}`}>
            {DRIFT_KIND_TITLES[k]} <span className="muted">({byKind.get(k)!.length})</span>
          </h2>
          <p className="help">{KIND_HELP[k]}</p>
          <ol className="checks" data-testid={`drift-list-${k}`}>
            {byKind.get(k)!.map((d) => (
              <DriftCard key={d.id} drift={d} names={names} />
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}

/** The hash is the route: scroll to a section instead of following the anchor. */
function jump(e: React.MouseEvent, id: string) {
  e.preventDefault();
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ block: 'start' });
  el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
}

function fmtMeasure(n: number, unit: DriftItem['unit']): { value: string; suffix: string } {
  if (unit === 'percent') return { value: fmtPoints(n), suffix: '%' };
  return { value: fmtPoints(n), suffix: ` ${unit === 'paths' ? (n === 1 ? 'path' : 'paths') : unit === 'plans' ? (n === 1 ? 'plan' : 'plans') : n === 1 ? 'resource' : 'resources'}` };
}

function DriftCard({ drift: d, names }: { drift: DriftItem; names: Map<string, string> }) {
  const before = fmtMeasure(d.before, d.unit);
  const after = fmtMeasure(d.after, d.unit);
  const worse = d.unit === 'percent' ? d.after < d.before : d.after > d.before;
  const sub = d.subscriptionId ? (names.get(d.subscriptionId.toLowerCase()) ?? d.subscriptionId) : undefined;
  return (
    <li className={`card check drift ${worse ? 'check-fail' : 'check-warn'}`} data-drift={d.id} data-kind={d.kind}>
      <h3 title={d.subject}>{d.subjectDisplayName}</h3>
      {sub && !d.subjectDisplayName.includes(sub) ? <p className="help">Subscription {sub}</p> : null}
      <p data-testid="drift-summary">{d.summary}</p>
      <p className="drift-measure" aria-label="Before and after">
        <span data-testid="drift-before">{before.value}</span>
        {before.suffix} <span aria-hidden="true">→</span>
        <span className="sr-only">to</span> <strong data-testid="drift-after">{after.value}</strong>
        {after.suffix}
      </p>
      <Resources drift={d} />
      {d.changes.length ? (
        <details>
          <summary>
            Changes behind it ({fmtInt(d.changes.length + (d.changesTruncated ?? 0))}
            {d.changesTruncated ? `, the first ${d.changes.length} listed` : ''})
          </summary>
          <div className="table-wrap scroll-box">
            <table className="table" data-testid="drift-changes">
              <TableHead columns={['When', 'Change', 'Table', 'Resource']} />
              <tbody>
                {d.changes.map((c, i) => (
                  <tr key={i}>
                    <td className="nowrap">{fmtDate(c.at)}</td>
                    <td>{c.kind}</td>
                    <td>{c.table}</td>
                    <td title={c.id}>{resourceName(c.id)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      <DenyCandidates drift={d} />
    </li>
  );
}

function Resources({ drift: d }: { drift: DriftItem }) {
  const [all, setAll] = useState(false);
  if (!d.resources.length) return null;
  const shown = all ? d.resources : d.resources.slice(0, RESOURCE_ROWS);
  return (
    <details>
      <summary>
        Resources that changed (<span data-testid="drift-resources-count">{fmtInt(d.resources.length)}</span>)
      </summary>
      <div className="table-wrap scroll-box">
        <table className="table" data-testid="drift-resources">
          <TableHead columns={['Resource', 'Type', 'Resource group']} />
          <tbody>
            {shown.map((id) => (
              <tr key={id}>
                <td title={id}>{resourceName(id)}</td>
                <td>{resourceTypeOf(id)}</td>
                <td>{resourceGroupOf(id) ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length < d.resources.length ? (
        <button type="button" className="link" onClick={() => setAll(true)}>
          Show all {fmtInt(d.resources.length)}
        </button>
      ) : null}
    </details>
  );
}

function DenyCandidates({ drift: d }: { drift: DriftItem }) {
  const list = d.denyCandidates.length ? d.denyCandidates : d.denyCandidate ? [d.denyCandidate] : [];
  const unblockable = d.unblockable ?? [];
  if (!list.length && !unblockable.length && !d.note) return null;
  return (
    <div role="group" aria-label={`Deny candidates: ${d.subjectDisplayName}`} data-testid="drift-deny">
      <h4>{list.length ? `Deny candidate${list.length === 1 ? '' : 's'}` : 'No Deny candidate'}</h4>
      {list.map((c, i) => (
        <Candidate key={`${c.assignmentId}|${c.policyDefinitionId}`} candidate={c} recommended={i === 0} />
      ))}
      {unblockable.length ? (
        <details>
          <summary>Policies no assignment could deny ({unblockable.length})</summary>
          <ul className="rec-list">
            {unblockable.map((u) => (
              <li key={u.policyDefinitionId}>
                <code title={u.policyDefinitionId}>{resourceName(u.policyDefinitionId)}</code>: {u.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {d.note ? <p className="help">{d.note}</p> : null}
    </div>
  );
}

function Candidate({ candidate: c, recommended }: { candidate: DenyCandidate; recommended: boolean }) {
  const how = c.via === 'parameter' ? `set ${c.parameter ?? 'the effect parameter'} to Deny` : 'set enforcementMode to Default';
  return (
    <div className="candidate" data-assignment={c.assignmentId} data-testid="deny-candidate">
      <p>
        {recommended ? <span className="tag">Recommended</span> : null} <strong title={c.assignmentId}>{c.assignmentDisplayName || c.assignmentName}</strong>
        {c.policyDefinitionReferenceId ? (
          <>
            {' '}
            (reference <code>{c.policyDefinitionReferenceId}</code>)
          </>
        ) : null}
        : {c.currentEffect} today; {how}. It would have blocked <span data-testid="deny-resources">{fmtInt(c.resources)}</span> resource{c.resources === 1 ? '' : 's'}.
      </p>
      <p className="help">First see what it would deny today (exempt the legitimate exceptions), then flip it:</p>
      <CopyCode text={c.whatIfCommand} />
      <CopyCode text={c.command} />
    </div>
  );
}
