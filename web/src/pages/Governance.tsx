import { useMemo, useState } from 'react';
import { governanceOverview } from '../api';
import { ParamChip, ParamSelect } from '../components/Filters';
import { GovernanceRuleDialog } from '../components/GovernanceRuleDialog';
import { GovernanceRules } from '../components/GovernanceRules';
import { Async, Empty, TenantScopeHint } from '../components/Status';
import { MoreRows, numeric, TableHead } from '../components/Table';
import { fmtDate, fmtDay, fmtInt, resourceName, statusLabel } from '../format';
import { replaceParams, routeHref, useAsync } from '../hooks';
import { canWriteSecurity, SECURITY_WRITE_ROLES } from '../roles';
import type { GovernanceAssignmentItem, GovernanceOverview, GovernanceStatus } from '../types';
import type { PageProps } from '../App';

export const GOVERNANCE_STATUSES: GovernanceStatus[] = ['Overdue', 'OnTime', 'Unassigned', 'Completed'];
/** Assignment rows shown before "Show all". */
const ROWS = 200;

export function Governance({ subscription, who, params, refresh }: PageProps) {
  const sub = subscription.subscriptionId;
  const data = useAsync(() => governanceOverview(sub), [sub]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | undefined>();
  const canCreate = canWriteSecurity(who.role);

  return (
    <div className="page">
      <h1>Governance</h1>
      <p className="muted">Rules give unhealthy recommendations an owner and a due date; the assignments below are this subscription's.</p>
      {created ? (
        <p className="success" role="status" data-testid="gov-rule-created">
          {created}
        </p>
      ) : null}
      <Async state={data} what="governance rules and assignments">
        {(g) => (
          <>
            <section className="card section" aria-labelledby="gov-rules-h">
              <div className="section-head">
                <h2 id="gov-rules-h">
                  Rules <span className="muted">(<span data-testid="gov-rules-count">{g.rules.length}</span>)</span>
                </h2>
                <button type="button" className="primary" disabled={!canCreate} onClick={() => setCreating(true)}>
                  New rule
                </button>
              </div>
              {!canCreate ? (
                <p className="help">
                  Your role ({who.role}) cannot create governance rules: that needs {SECURITY_WRITE_ROLES.slice(0, -1).join(', ')} or {SECURITY_WRITE_ROLES[SECURITY_WRITE_ROLES.length - 1]}.
                </p>
              ) : null}
              <GovernanceRules rules={g.rules} subscription={subscription} />
            </section>
            <Assignments data={g} params={params} sub={sub} />
          </>
        )}
      </Async>
      <TenantScopeHint error={data.error} />
      {creating && data.data ? (
        <GovernanceRuleDialog
          subscription={subscription}
          rules={data.data.rules}
          onClose={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            setCreated(`Governance rule '${name}' created and applied. The assignments have been reloaded.`);
            refresh();
          }}
        />
      ) : null}
    </div>
  );
}

interface OwnerRow {
  owner: string;
  open: number;
  overdue: number;
  onTime: number;
  completed: number;
}

/** Owners with their open (on time + overdue) and overdue assignments: the most overdue first. */
export function ownerRows(items: readonly GovernanceAssignmentItem[]): OwnerRow[] {
  const m = new Map<string, OwnerRow>();
  for (const a of items) {
    if (!a.owner) continue;
    const key = a.owner.toLowerCase();
    let r = m.get(key);
    if (!r) m.set(key, (r = { owner: a.owner, open: 0, overdue: 0, onTime: 0, completed: 0 }));
    if (a.status === 'Overdue') r.overdue++;
    else if (a.status === 'OnTime') r.onTime++;
    else if (a.status === 'Completed') r.completed++;
    r.open = r.overdue + r.onTime;
  }
  return [...m.values()].sort((a, b) => b.overdue - a.overdue || b.open - a.open || a.owner.localeCompare(b.owner));
}

function Assignments({ data, params, sub }: { data: GovernanceOverview; params: Record<string, string>; sub: string }) {
  const owner = params.owner ?? '';
  const status = params.status ?? '';
  const [limit, setLimit] = useState(ROWS);
  const items = data.value;
  const owners = useMemo(() => ownerRows(items), [items]);
  const rows = useMemo(
    () => items.filter((a) => (!owner || (a.owner ?? '').toLowerCase() === owner.toLowerCase()) && (!status || a.status === status)),
    [items, owner, status],
  );
  const count = (s: GovernanceStatus) => items.filter((a) => a.status === s).length;
  const knownOwner = owners.find((o) => o.owner.toLowerCase() === owner.toLowerCase())?.owner;

  return (
    <>
      <section className="card section" aria-labelledby="gov-owners-h">
        <h2 id="gov-owners-h">
          Owners <span className="muted">(<span data-testid="gov-owners-count">{owners.length}</span>)</span>
        </h2>
        <p className="help">Open = on time + overdue. The most overdue first; choose an owner to see their assignments.</p>
        {owners.length ? (
          <div className="table-wrap scroll-box">
            <table className="table" data-testid="gov-owners">
              <TableHead columns={['Owner', numeric('Overdue'), numeric('On time'), numeric('Open'), numeric('Completed')]} />
              <tbody>
                {owners.map((o) => (
                  <tr key={o.owner} data-owner={o.owner} className={owner.toLowerCase() === o.owner.toLowerCase() ? 'selected' : undefined}>
                    <td>
                      <button type="button" className="link" onClick={() => replaceParams({ owner: o.owner })} title={`Show ${o.owner}'s assignments`}>
                        {o.owner}
                      </button>
                    </td>
                    <td className={`num${o.overdue ? ' error-text' : ''}`} data-testid="owner-overdue">
                      {o.overdue}
                    </td>
                    <td className="num" data-testid="owner-ontime">
                      {o.onTime}
                    </td>
                    <td className="num" data-testid="owner-open">
                      {o.open}
                    </td>
                    <td className="num" data-testid="owner-completed">
                      {o.completed}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Empty>No assignment has an owner yet.</Empty>
        )}
      </section>

      <section className="section" aria-labelledby="gov-assign-h">
        <h2 id="gov-assign-h">Assignments</h2>
        <ul className="risk-counts" aria-label="Assignments by status">
          <li>
            <strong data-testid="gov-total">{fmtInt(items.length)}</strong> assignments
          </li>
          {GOVERNANCE_STATUSES.map((s) => (
            <ParamChip key={s} param="status" value={s} current={status} title={`Show only ${statusLabel(s).toLowerCase()} assignments`} count={count(s)} countTestId={`gov-status-${s}`}>
              <span className={`status status-${s.toLowerCase()}`}>{statusLabel(s)}</span>
            </ParamChip>
          ))}
        </ul>
        <form className="filters" role="search" aria-label="Filter assignments" onSubmit={(e) => e.preventDefault()}>
          <ParamSelect
            id="gov-owner"
            label="Owner"
            param="owner"
            value={knownOwner ?? owner}
            options={owner && !knownOwner ? [...owners.map((o) => o.owner), owner] : owners.map((o) => o.owner)}
          />
          <ParamSelect id="gov-status" label="Status" param="status" value={status} options={GOVERNANCE_STATUSES} optionLabel={statusLabel} />
          <p className="field-count" aria-live="polite">
            <span data-testid="gov-shown">{rows.length}</span> shown · evaluated {fmtDate(data.evaluatedAt)}
          </p>
        </form>
        {rows.length ? (
          <div className="table-wrap">
            <table className="table" data-testid="gov-assignments">
              <TableHead columns={['Recommendation', 'Severity', 'Resource', 'Owner', 'Due', 'Status', 'Source']} />
              <tbody>
                {rows.slice(0, limit).map((a) => (
                  <tr key={a.id} data-status={a.status}>
                    <td>
                      <a href={routeHref('recommendations', { sub, rec: a.assessmentKey })}>{a.recommendation}</a>
                    </td>
                    <td>
                      <span className={`sev sev-${a.severity.toLowerCase()}`}>{a.severity}</span>
                    </td>
                    <td title={a.resourceId} className="nowrap">
                      {resourceName(a.resourceId)}
                    </td>
                    <td>{a.owner ?? <span className="muted">none</span>}</td>
                    <td className="nowrap">
                      {fmtDay(a.remediationDueDate)}
                      {a.isGracePeriod && a.status !== 'Completed' ? <span className="tag" title="In a grace period: does not lower the secure score until the due date">grace</span> : null}
                    </td>
                    <td>
                      <span className={`status status-${a.status.toLowerCase()}`}>{statusLabel(a.status)}</span>
                    </td>
                    <td>{a.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <MoreRows limit={limit} total={rows.length} onShowAll={() => setLimit(rows.length)} />
          </div>
        ) : (
          <Empty>{items.length ? 'No assignment matches the filters.' : 'No governance assignment in this subscription: create a rule to give recommendations owners and due dates.'}</Empty>
        )}
      </section>
    </>
  );
}
