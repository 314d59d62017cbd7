import { useState, type ReactNode } from 'react';
import { ApiError, setAlertStatus } from '../api';
import { fmtDate, resourceName, statusLabel } from '../format';
import { routeHref } from '../hooks';
import { canWriteSecurity, SECURITY_WRITE_ROLES } from '../roles';
import type { AlertAction, AlertEntity, SecurityAlert, WhoAmI } from '../types';
import { TableHead } from './Table';

/** The status actions, in the order an analyst uses them, and the status each one sets. */
const ACTIONS: Array<{ action: AlertAction; status: string; label: string }> = [
  { action: 'inProgress', status: 'InProgress', label: 'Start investigating' },
  { action: 'resolve', status: 'Resolved', label: 'Resolve' },
  { action: 'dismiss', status: 'Dismissed', label: 'Dismiss' },
  { action: 'activate', status: 'Active', label: 'Reactivate' },
];

interface Props {
  alert: SecurityAlert;
  who: WhoAmI;
  /** The list's route parameters (filters, sort) to go back to. */
  back: Record<string, string | undefined>;
  refresh(): void;
  /** The alerts are being reloaded (after a status change). */
  reloading: boolean;
}

export function AlertDetail({ alert, who, back, refresh, reloading }: Props) {
  const p = alert.properties;
  const [busy, setBusy] = useState<AlertAction | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const canChange = canWriteSecurity(who.role);
  const resourceId = p.resourceIdentifiers?.find((r) => r.azureResourceId)?.azureResourceId;

  async function change(action: AlertAction, status: string) {
    setBusy(action);
    setMessage(undefined);
    try {
      await setAlertStatus(alert.id, action);
      setMessage({ ok: true, text: `The alert is now ${statusLabel(status).toLowerCase()}.` });
      refresh();
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError ? `Could not change the status (${err.code}): ${err.message}` : (err as Error).message });
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <article className="detail" aria-labelledby="alert-title" data-testid="alert-detail">
      <p>
        <a href={routeHref('alerts', back)}>← All alerts</a>
      </p>
      <h2 id="alert-title">{p.alertDisplayName}</h2>
      <p>
        <span className={`sev sev-${p.severity.toLowerCase()}`}>{p.severity}</span>{' '}
        <span className={`status status-${p.status.toLowerCase()}`} data-testid="alert-status">
          {statusLabel(p.status)}
        </span>
        {reloading ? <span className="muted"> · updating…</span> : null}
      </p>
      <div className="actions left" role="group" aria-label="Change the alert's status">
        {ACTIONS.map((a) => (
          <button
            key={a.action}
            type="button"
            className={a.action === 'resolve' ? 'primary' : undefined}
            disabled={!canChange || busy !== undefined || p.status === a.status}
            title={p.status === a.status ? `The alert is already ${statusLabel(a.status).toLowerCase()}` : undefined}
            onClick={() => change(a.action, a.status)}
          >
            {busy === a.action ? 'Saving…' : a.label}
          </button>
        ))}
      </div>
      {!canChange ? (
        <p className="help" data-testid="alert-readonly">
          Your role ({who.role}) cannot change an alert's status: that needs {SECURITY_WRITE_ROLES.slice(0, -1).join(', ')} or {SECURITY_WRITE_ROLES[SECURITY_WRITE_ROLES.length - 1]}.
        </p>
      ) : null}
      {message ? (
        <p className={message.ok ? 'success' : 'error-box'} role={message.ok ? 'status' : 'alert'} data-testid="alert-status-message">
          {message.text}
        </p>
      ) : null}
      <dl className="facts">
        <Fact term="Affected resource">
          {resourceId ? (
            <a href={routeHref('inventory', { sub: back.sub, q: resourceName(resourceId) })} title={resourceId}>
              {p.compromisedEntity || resourceName(resourceId)}
            </a>
          ) : (
            p.compromisedEntity || '–'
          )}
        </Fact>
        <Fact term="Start / end (UTC)">
          {fmtDate(p.startTimeUtc)}
          {p.endTimeUtc && p.endTimeUtc !== p.startTimeUtc ? ` – ${fmtDate(p.endTimeUtc)}` : ''}
        </Fact>
        <Fact term="Tactics">{p.intent || '–'}</Fact>
        <Fact term="Techniques">{[...(p.techniques ?? []), ...(p.subTechniques ?? [])].join(', ') || '–'}</Fact>
        <Fact term="Alert type">
          <code>{p.alertType}</code>
        </Fact>
        <Fact term="Detected by">{[p.productName, p.productComponentName].filter(Boolean).join(' · ') || '–'}</Fact>
      </dl>
      <p data-testid="alert-description">{p.description}</p>
      <section aria-labelledby="alert-remediation">
        <h3 id="alert-remediation">Remediation steps</h3>
        {p.remediationSteps?.length ? (
          <ol className="rec-list" data-testid="alert-remediation">
            {p.remediationSteps.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ol>
        ) : (
          <p className="empty">None given.</p>
        )}
      </section>
      <section aria-labelledby="alert-entities">
        <h3 id="alert-entities">Entities</h3>
        {p.entities?.length ? <Entities entities={p.entities} /> : <p className="empty">None.</p>}
      </section>
      <section aria-labelledby="alert-evidence">
        <h3 id="alert-evidence">Evidence</h3>
        {p.extendedProperties && Object.keys(p.extendedProperties).length ? (
          <table className="table inner kv" data-testid="alert-evidence">
            <tbody>
              {Object.entries(p.extendedProperties).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>
                    <code>{v}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="empty">None.</p>
        )}
      </section>
    </article>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function Entities({ entities }: { entities: AlertEntity[] }) {
  return (
    <table className="table inner" data-testid="alert-entities">
      <TableHead columns={['Type', 'Details']} />
      <tbody>
        {entities.map((e, i) => (
          <tr key={e.$id ?? i}>
            <td className="nowrap">{e.type}</td>
            <td>
              {Object.entries(e)
                .filter(([k]) => k !== '$id' && k !== 'type')
                .map(([k, v]) => (
                  <div key={k}>
                    <span className="muted">{k}:</span> <code title={show(v)}>{show(v)}</code>
                  </div>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
