import { Fragment, useMemo } from 'react';
import { listAssessments, listComplianceAssessments, listComplianceControls, listComplianceStandards } from '../api';
import { ParamSelect } from '../components/Filters';
import { Async, Empty } from '../components/Status';
import { numeric, TableHead } from '../components/Table';
import { fmtInt, resourceGroupOf, resourceName, resourceTypeOf, shortenIds } from '../format';
import { replaceParams, routeHref, useAsync } from '../hooks';
import { assessedResourceId } from '../model';
import type { ComplianceStandard } from '../types';
import type { PageProps } from '../App';

const CONTROL_STATES = ['Failed', 'Passed', 'Skipped', 'Unsupported'];

function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state.toLowerCase()}`}>{state}</span>;
}

function Split({ passed, failed, skipped, label }: { passed: number; failed: number; skipped: number; label: string }) {
  const total = passed + failed + skipped || 1;
  return (
    <div className="split" role="img" aria-label={`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`}>
      <span className="passed" style={{ width: `${(passed / total) * 100}%` }} />
      <span className="failed" style={{ width: `${(failed / total) * 100}%` }} />
      <span className="skipped" style={{ width: `${(skipped / total) * 100}%` }} />
    </div>
  );
}

export function Compliance({ subscription, params }: PageProps) {
  const sub = subscription.subscriptionId;
  const standards = useAsync(() => listComplianceStandards(sub), [sub]);
  const std = params.std;
  const ctl = params.ctl;

  return (
    <div className="page">
      <h1>Regulatory compliance</h1>
      <nav aria-label="Breadcrumb" className="crumbs">
        <ol>
          <li>
            <a href={routeHref('compliance', { sub })} aria-current={!std ? 'page' : undefined}>
              Standards
            </a>
          </li>
          {std ? (
            <li>
              <a href={routeHref('compliance', { sub, std })} aria-current={!ctl ? 'page' : undefined}>
                {std}
              </a>
            </li>
          ) : null}
          {std && ctl ? (
            <li>
              <a href={routeHref('compliance', { sub, std, ctl })} aria-current="page">
                {ctl}
              </a>
            </li>
          ) : null}
        </ol>
      </nav>
      <Async state={standards} what="compliance standards">
        {(list) => (
          <>
            <StandardCards list={list} sub={sub} selected={std} />
            {std && !ctl ? <ControlsOf sub={sub} std={std} filter={params.state ?? ''} /> : null}
            {std && ctl ? <AssessmentsOf sub={sub} std={std} ctl={ctl} open={params.ra} /> : null}
            {!std ? <p className="help">Choose a standard to see its controls.</p> : null}
          </>
        )}
      </Async>
    </div>
  );
}

function StandardCards({ list, sub, selected }: { list: ComplianceStandard[]; sub: string; selected?: string }) {
  if (!list.length) return <Empty>No standard is assigned to this subscription.</Empty>;
  return (
    <ul className="cards" data-testid="standards">
      {list.map((s) => {
        const p = s.properties;
        const assessed = p.passedControls + p.failedControls;
        return (
          <li key={s.name} className={`card standard${selected === s.name ? ' selected' : ''}`} data-standard={s.name}>
            <h2>
              <a href={routeHref('compliance', { sub, std: s.name })} aria-current={selected === s.name ? 'true' : undefined}>
                {s.name}
              </a>
            </h2>
            <p>
              <StateBadge state={p.state} />{' '}
              <span data-testid="std-passed">{p.passedControls}</span> of {assessed} assessed controls passed
            </p>
            <Split passed={p.passedControls} failed={p.failedControls} skipped={p.skippedControls} label={`${s.name} controls`} />
            <p className="muted small">
              <span data-testid="std-failed">{p.failedControls}</span> failed · <span data-testid="std-skipped">{p.skippedControls}</span> skipped
              {p.unsupportedControls ? ` · ${p.unsupportedControls} unsupported` : ''}
            </p>
          </li>
        );
      })}
    </ul>
  );
}

function ControlsOf({ sub, std, filter }: { sub: string; std: string; filter: string }) {
  const controls = useAsync(() => listComplianceControls(sub, std), [sub, std]);
  return (
    <section aria-labelledby="ctl-title">
      <h2 id="ctl-title">Controls of {std}</h2>
      <Async state={controls} what="the standard's controls">
        {(list) => {
          const rows = filter ? list.filter((c) => c.properties.state === filter) : list;
          return (
            <>
              <div className="filters">
                <ParamSelect id="ctl-state" label="State" param="state" value={filter} options={CONTROL_STATES} />
                <p className="field-count" aria-live="polite">
                  <span data-testid="ctl-shown">{rows.length}</span> of {list.length} controls
                </p>
              </div>
              <div className="table-wrap">
                <table className="table" data-testid="compliance-controls">
                  <TableHead columns={['Control', 'Description', 'State', numeric('Passed'), numeric('Failed'), numeric('Skipped')]} />
                  <tbody>
                    {rows.map((c) => (
                      <tr key={c.name} data-control={c.name}>
                        <td>
                          <a href={routeHref('compliance', { sub, std, ctl: c.name })}>{c.name}</a>
                        </td>
                        <td>{c.properties.description}</td>
                        <td>
                          <StateBadge state={c.properties.state} />
                        </td>
                        <td className="num">{c.properties.passedAssessments}</td>
                        <td className="num">{c.properties.failedAssessments}</td>
                        <td className="num">{c.properties.skippedAssessments}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function AssessmentsOf({ sub, std, ctl, open }: { sub: string; std: string; ctl: string; open?: string }) {
  const list = useAsync(() => listComplianceAssessments(sub, std, ctl), [sub, std, ctl]);
  return (
    <section aria-labelledby="ra-title">
      <h2 id="ra-title">
        {ctl}: policies and resources
      </h2>
      <Async state={list} what="the control's assessments">
        {(items) =>
          items.length ? (
            <div className="table-wrap">
              <table className="table" data-testid="compliance-assessments">
                <TableHead columns={['Assessment', 'State', numeric('Passed resources'), numeric('Failed resources'), numeric('Skipped resources')]} />
                <tbody>
                  {items.map((a) => {
                    const expanded = open === a.name;
                    return (
                      <Fragment key={a.name}>
                        <tr className={expanded ? 'selected' : undefined}>
                          <td>
                            <button type="button" className="link" aria-expanded={expanded} onClick={() => replaceParams({ ra: expanded ? undefined : a.name })}>
                              <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {a.properties.description}
                            </button>
                          </td>
                          <td>
                            <StateBadge state={a.properties.state} />
                          </td>
                          <td className="num">{fmtInt(a.properties.passedResources)}</td>
                          <td className="num">{fmtInt(a.properties.failedResources)}</td>
                          <td className="num">{fmtInt(a.properties.skippedResources)}</td>
                        </tr>
                        {expanded ? (
                          <tr className="expansion">
                            <td colSpan={5}>
                              <ResourcesOf sub={sub} assessmentKey={a.name} />
                            </td>
                          </tr>
                        ) : null}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No assessment maps to this control.</Empty>
          )
        }
      </Async>
    </section>
  );
}

/** The resources behind a compliance assessment: the subscription's assessments of that recommendation. */
function ResourcesOf({ sub, assessmentKey }: { sub: string; assessmentKey: string }) {
  const all = useAsync(() => listAssessments(sub), [sub]);
  const rows = useMemo(
    () =>
      (all.data ?? [])
        .filter((a) => a.name.toLowerCase() === assessmentKey.toLowerCase())
        .sort((a, b) => (a.properties.status.code === b.properties.status.code ? 0 : a.properties.status.code === 'Unhealthy' ? -1 : 1)),
    [all.data, assessmentKey],
  );
  return (
    <Async state={all} what="resources">
      {() =>
        rows.length ? (
          <table className="table inner" data-testid="compliance-resources">
            <TableHead columns={['Resource', 'Type', 'Resource group', 'Result', 'Reason']} />
            <tbody>
              {rows.map((a) => {
                const rid = assessedResourceId(a);
                const code = a.properties.status.code;
                return (
                  <tr key={a.id}>
                    <td title={rid} className="nowrap">
                      {resourceName(rid)}
                    </td>
                    <td>{resourceTypeOf(rid)}</td>
                    <td>{resourceGroupOf(rid) ?? '–'}</td>
                    <td>
                      <StateBadge state={code === 'Healthy' ? 'Passed' : code === 'Unhealthy' ? 'Failed' : 'Skipped'} />
                    </td>
                    <td className="reason" title={a.properties.status.description}>
                      {shortenIds(a.properties.status.description ?? a.properties.status.cause ?? '')}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p className="muted">
            No resource is assessed for this policy. <a href={routeHref('recommendations', { sub, rec: assessmentKey })}>Open the recommendation</a>
          </p>
        )
      }
    </Async>
  );
}
