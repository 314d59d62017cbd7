import { lazy, Suspense, useMemo } from 'react';
import { listAttackPaths } from '../api';
import { isChokeConnection } from '../components/choke';
import { ParamSelect } from '../components/Filters';
import { SortHeader } from '../components/SortHeader';
import { Async, Empty, Loading } from '../components/Status';
import { TableHead } from '../components/Table';
import { resourceName, RISK_LEVELS, SEVERITY_ORDER } from '../format';
import { routeHref, sortBy, useAsync, useRouteSort } from '../hooks';
import type { AttackPath } from '../types';
import type { PageProps } from '../App';

/** Cytoscape and dagre load only when a path is drawn. */
const AttackPathGraph = lazy(() => import('../components/AttackPathGraph').then((m) => ({ default: m.AttackPathGraph })));

const SORT_KEYS = ['name', 'risk', 'entry', 'target', 'steps'] as const;
type SortKey = (typeof SORT_KEYS)[number];

function entityName(path: AttackPath, id: string): string {
  return path.properties.graphComponent.entities.find((e) => e.entityInternalId === id)?.entityName ?? resourceName(id);
}

export function AttackPaths({ subscription, params }: PageProps) {
  const sub = subscription.subscriptionId;
  const paths = useAsync(() => listAttackPaths(sub), [sub]);
  return (
    <div className="page">
      <h1>Attack paths</h1>
      <Async state={paths} what="attack paths">
        {(list) => {
          if (params.path) {
            const p = list.find((x) => x.name === params.path);
            return p ? (
              <PathDetail path={p} sub={sub} />
            ) : (
              <div className="error-box" role="alert">
                No attack path <code>{params.path}</code> (it disappears once it is broken). <a href={routeHref('attack-paths', { sub })}>All attack paths</a>
              </div>
            );
          }
          return <PathList list={list} params={params} sub={sub} />;
        }}
      </Async>
    </div>
  );
}

function PathList({ list, params, sub }: { list: AttackPath[]; params: Record<string, string>; sub: string }) {
  const risk = params.risk ?? '';
  const sort = useRouteSort<SortKey>(params, SORT_KEYS, 'risk');
  const rows = useMemo(() => {
    const v: Record<SortKey, (p: AttackPath) => unknown> = {
      name: (p) => p.properties.displayName,
      risk: (p) => SEVERITY_ORDER[p.properties.riskLevel] ?? 0,
      entry: (p) => entityName(p, p.properties.entryPointEntityInternalID),
      target: (p) => entityName(p, p.properties.targetEntityInternalID),
      steps: (p) => p.properties.graphComponent.connections.length,
    };
    return sortBy(
      list.filter((p) => !risk || p.properties.riskLevel === risk),
      v[sort.key],
      sort.dir,
    );
  }, [list, risk, sort.key, sort.dir]);
  return (
    <>
      <ul className="risk-counts" aria-label="Attack paths by risk">
        <li>
          <strong data-testid="ap-count">{list.length}</strong> attack paths
        </li>
        {RISK_LEVELS.map((r) => (
          <li key={r}>
            <span className={`risk risk-${r.toLowerCase()}`}>{r}</span> <span data-testid={`ap-${r}`}>{list.filter((p) => p.properties.riskLevel === r).length}</span>
          </li>
        ))}
      </ul>
      <div className="filters">
        <ParamSelect id="ap-risk" label="Risk level" param="risk" value={risk} options={RISK_LEVELS} />
      </div>
      {rows.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="attack-paths-table">
            <thead>
              <tr>
                <SortHeader sort={sort} k="name" label="Attack path" />
                <SortHeader sort={sort} k="risk" label="Risk" />
                <th scope="col">Risk factors</th>
                <SortHeader sort={sort} k="entry" label="Entry point" />
                <SortHeader sort={sort} k="target" label="Target" />
                <SortHeader sort={sort} k="steps" label="Steps" numeric />
                <th scope="col">Choke point</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.name}>
                  <td>
                    <a href={routeHref('attack-paths', { ...params, sub, path: p.name })}>{p.properties.displayName}</a>
                  </td>
                  <td>
                    <span className={`risk risk-${p.properties.riskLevel.toLowerCase()}`}>{p.properties.riskLevel}</span>
                  </td>
                  <td>{p.properties.riskFactors.join(', ')}</td>
                  <td>{entityName(p, p.properties.entryPointEntityInternalID)}</td>
                  <td>{entityName(p, p.properties.targetEntityInternalID)}</td>
                  <td className="num">{p.properties.graphComponent.connections.length}</td>
                  <td className="choke-cell">{p.properties.chokePoints?.length ? p.properties.chokePoints.join('; ') : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Empty>{list.length ? 'No attack path at this risk level.' : 'No attack path starts in this subscription.'}</Empty>
      )}
    </>
  );
}

function PathDetail({ path, sub }: { path: AttackPath; sub: string }) {
  const p = path.properties;
  const names = new Map(p.graphComponent.entities.map((e) => [e.entityInternalId, e]));
  const back = Object.fromEntries(new URLSearchParams(window.location.hash.split('?')[1] ?? ''));
  return (
    <article className="detail" aria-labelledby="ap-title">
      <p>
        <a href={routeHref('attack-paths', { ...back, path: undefined })}>← All attack paths</a>
      </p>
      <h2 id="ap-title">{p.displayName}</h2>
      <p>
        <span className={`risk risk-${p.riskLevel.toLowerCase()}`}>{p.riskLevel}</span> {p.riskFactors.join(' · ')}
      </p>
      <p>{p.description}</p>
      <p>
        <strong>Potential impact:</strong> {p.potentialImpact}
      </p>
      <div className="legend" aria-hidden="true">
        <span className="lg-entry">Entry point</span>
        <span className="lg-target">Target</span>
        <span className="lg-choke">Choke point</span>
      </div>
      <Suspense fallback={<Loading what="the graph" />}>
        <AttackPathGraph path={path} />
      </Suspense>
      <section aria-labelledby="ap-steps">
        <h3 id="ap-steps">Steps</h3>
        <ol className="steps" data-testid="attack-path-steps">
          {p.graphComponent.connections.map((c, i) => {
            const choke = isChokeConnection(path, c);
            const rules = Array.isArray(c.properties?.nsgRules) ? (c.properties.nsgRules as string[]) : [];
            const ports = Array.isArray(c.properties?.ports) ? (c.properties.ports as Array<{ ports?: string[]; protocol?: string }>) : [];
            return (
              <li key={i} className={choke ? 'choke' : undefined} data-testid={choke ? 'choke-point' : undefined}>
                {names.get(c.sourceEntityInternalId)?.entityName ?? c.sourceEntityInternalId} <code>{c.title}</code>{' '}
                {names.get(c.targetEntityInternalId)?.entityName ?? c.targetEntityInternalId}
                {choke ? <strong className="choke-mark"> — choke point</strong> : null}
                {ports.length ? <span className="muted"> · {ports.map((x) => `${x.protocol ?? ''} ${(x.ports ?? []).join(',')}`.trim()).join('; ')}</span> : null}
                {rules.length ? (
                  <span className="muted">
                    {' '}
                    · NSG rule{rules.length > 1 ? 's' : ''}: {rules.map((r) => r.split('/securityRules/').map(resourceName).join('/')).join(', ')}
                  </span>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>
      {p.assessments.length ? (
        <section aria-labelledby="ap-fixes">
          <h3 id="ap-fixes">Recommendations on the path</h3>
          <table className="table">
            <TableHead columns={['Recommendation', 'Resource', 'Effect']} />
            <tbody>
              {p.assessments.map((a) => (
                <tr key={`${a.assessmentKey}|${a.entityInternalId}`}>
                  <td>
                    <a href={routeHref('recommendations', { sub, rec: a.assessmentKey })}>{a.assessmentName}</a>
                  </td>
                  <td title={a.entityInternalId}>{names.get(a.entityInternalId)?.entityName ?? resourceName(a.entityInternalId)}</td>
                  <td>{a.breaksPath ? 'Breaks the path' : 'Reduces risk'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </article>
  );
}
