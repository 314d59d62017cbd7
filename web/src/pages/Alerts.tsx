import { useMemo } from 'react';
import { listAlerts } from '../api';
import { AlertDetail } from '../components/AlertDetail';
import { ParamChip, ParamSelect } from '../components/Filters';
import { SortHeader } from '../components/SortHeader';
import { Async, Empty } from '../components/Status';
import { ALERT_SEVERITIES, ALERT_SEVERITY_ORDER, ALERT_STATUSES, fmtDate, fmtInt, statusLabel } from '../format';
import { replaceParams, routeHref, sortBy, useAsync, useRouteSort } from '../hooks';
import type { SecurityAlert } from '../types';
import type { PageProps } from '../App';

const SORT_KEYS = ['severity', 'name', 'resource', 'status', 'intent', 'start'] as const;
type SortKey = (typeof SORT_KEYS)[number];

export function Alerts({ subscription, who, params, refresh }: PageProps) {
  const sub = subscription.subscriptionId;
  const alerts = useAsync(() => listAlerts(sub), [sub]);
  return (
    <div className="page">
      <h1>Security alerts</h1>
      <Async state={alerts} what="security alerts">
        {(list) => {
          if (params.alert) {
            const a = list.find((x) => x.name.toLowerCase() === params.alert.toLowerCase());
            return a ? (
              <AlertDetail alert={a} who={who} back={{ ...params, alert: undefined }} refresh={refresh} reloading={alerts.loading} />
            ) : (
              <div className="error-box" role="alert">
                No alert <code>{params.alert}</code> in this subscription. <a href={routeHref('alerts', { sub })}>All alerts</a>
              </div>
            );
          }
          return <AlertList list={list} params={params} sub={sub} />;
        }}
      </Async>
    </div>
  );
}

/** Counts by one property, for every value of `keys` (zero included). */
function countBy(list: SecurityAlert[], keys: readonly string[], value: (a: SecurityAlert) => string): Array<[string, number]> {
  return keys.map((k) => [k, list.filter((a) => value(a) === k).length]);
}

function AlertList({ list, params, sub }: { list: SecurityAlert[]; params: Record<string, string>; sub: string }) {
  const q = params.q ?? '';
  const severity = params.severity ?? '';
  const status = params.status ?? '';
  const sort = useRouteSort<SortKey>(params, SORT_KEYS, 'severity');

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const f = list.filter(
      (a) =>
        (!severity || a.properties.severity === severity) &&
        (!status || a.properties.status === status) &&
        (!needle ||
          a.properties.alertDisplayName.toLowerCase().includes(needle) ||
          a.properties.alertType.toLowerCase().includes(needle) ||
          (a.properties.compromisedEntity ?? '').toLowerCase().includes(needle)),
    );
    // newest first within equal sort values (the sort is stable)
    const byTime = [...f].sort((x, y) => y.properties.startTimeUtc.localeCompare(x.properties.startTimeUtc));
    const v: Record<SortKey, (a: SecurityAlert) => unknown> = {
      severity: (a) => ALERT_SEVERITY_ORDER[a.properties.severity] ?? 0,
      name: (a) => a.properties.alertDisplayName,
      resource: (a) => a.properties.compromisedEntity ?? '',
      status: (a) => a.properties.status,
      intent: (a) => a.properties.intent ?? '',
      start: (a) => a.properties.startTimeUtc,
    };
    return sortBy(byTime, v[sort.key], sort.dir);
  }, [list, q, severity, status, sort.key, sort.dir]);

  const bySeverity = countBy(list, ALERT_SEVERITIES, (a) => a.properties.severity);
  const byStatus = countBy(list, ALERT_STATUSES, (a) => a.properties.status);

  return (
    <>
      <ul className="risk-counts" aria-label="Alerts by severity">
        <li>
          <strong data-testid="alerts-total">{fmtInt(list.length)}</strong> alerts
        </li>
        {bySeverity.map(([s, n]) => (
          <ParamChip key={s} param="severity" value={s} current={severity} title={`Show only ${s} alerts`} count={n} countTestId={`alerts-sev-${s}`}>
            <span className={`sev sev-${s.toLowerCase()}`}>{s}</span>
          </ParamChip>
        ))}
      </ul>
      <ul className="risk-counts" aria-label="Alerts by status">
        {byStatus.map(([s, n]) => (
          <li key={s}>
            <span className={`status status-${s.toLowerCase()}`}>{statusLabel(s)}</span> <span data-testid={`alerts-status-${s}`}>{n}</span>
          </li>
        ))}
      </ul>
      <form className="filters" role="search" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="al-q">Search</label>
          <input id="al-q" type="search" value={q} placeholder="Alert, type or resource" onChange={(e) => replaceParams({ q: e.target.value || undefined })} />
        </div>
        <ParamSelect id="al-sev" label="Severity" param="severity" value={severity} options={ALERT_SEVERITIES} />
        <ParamSelect id="al-status" label="Status" param="status" value={status} options={ALERT_STATUSES} optionLabel={statusLabel} />
        <p className="field-count" aria-live="polite">
          <span data-testid="alerts-shown">{rows.length}</span> shown
        </p>
      </form>
      {rows.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="alerts-table">
            <thead>
              <tr>
                <SortHeader sort={sort} k="severity" label="Severity" />
                <SortHeader sort={sort} k="name" label="Alert" />
                <SortHeader sort={sort} k="resource" label="Affected resource" />
                <SortHeader sort={sort} k="status" label="Status" />
                <SortHeader sort={sort} k="intent" label="Tactics" />
                <SortHeader sort={sort} k="start" label="Start time" />
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => {
                const p = a.properties;
                return (
                  <tr key={a.id} data-alert={a.name} data-status={p.status}>
                    <td>
                      <span className={`sev sev-${p.severity.toLowerCase()}`}>{p.severity}</span>
                    </td>
                    <td>
                      <a href={routeHref('alerts', { ...params, sub, alert: a.name })}>{p.alertDisplayName}</a>
                      <div className="muted small">{p.alertType}</div>
                    </td>
                    <td title={p.resourceIdentifiers?.[0]?.azureResourceId}>{p.compromisedEntity || '–'}</td>
                    <td>
                      <span className={`status status-${p.status.toLowerCase()}`}>{statusLabel(p.status)}</span>
                    </td>
                    <td>{p.intent || '–'}</td>
                    <td className="nowrap">{fmtDate(p.startTimeUtc)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <Empty>{list.length ? 'No alert matches the filters.' : 'No security alert in this subscription: alerts appear when telemetry sent to the server triggers a detection.'}</Empty>
      )}
    </>
  );
}
