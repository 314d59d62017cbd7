import { Fragment, useMemo } from 'react';
import { getSecureScore, listAssessmentMetadata, listAssessments, listSecureScoreControls } from '../api';
import { Chart } from '../components/Chart';
import { SortHeader } from '../components/SortHeader';
import { Async } from '../components/Status';
import type { ChartOption } from '../echarts';
import { fmtInt, fmtPercent, fmtPoints } from '../format';
import { replaceParams, routeHref, sortBy, useAsync, useRouteSort, type Sort } from '../hooks';
import type { Assessment, AssessmentMetadata, SecureScoreControl } from '../types';
import type { PageProps } from '../App';

const SORT_KEYS = ['name', 'max', 'current', 'percentage', 'gap', 'unhealthy', 'healthy', 'na'] as const;
type SortKey = (typeof SORT_KEYS)[number];

export function Controls({ subscription, params }: PageProps) {
  const sub = subscription.subscriptionId;
  const score = useAsync(() => getSecureScore(sub), [sub]);
  const controls = useAsync(() => listSecureScoreControls(sub), [sub]);
  const names = useAsync(async () => {
    // Names and per-recommendation status for the expanded rows; failures leave the keys visible.
    const [meta, assessments] = await Promise.all([listAssessmentMetadata().catch(() => [] as AssessmentMetadata[]), listAssessments(sub).catch(() => [] as Assessment[])]);
    return { meta: new Map(meta.map((m) => [m.name.toLowerCase(), m])), assessments };
  }, [sub]);
  const sort = useRouteSort<SortKey>(params, SORT_KEYS, 'gap');

  return (
    <div className="page">
      <h1>Secure score controls</h1>
      <p className="score-line">
        Secure score:{' '}
        {score.data ? (
          <>
            <strong data-testid="controls-score-current">{fmtPoints(score.data.properties.score.current)}</strong> / {fmtPoints(score.data.properties.score.max)} (
            {fmtPercent(score.data.properties.score.percentage, 1)}) — the sum of the controls' points.
          </>
        ) : (
          '…'
        )}
      </p>
      <Async state={controls} what="secure score controls">
        {(list) => <ControlTable list={list} sort={sort} params={params} sub={sub} names={names.data} />}
      </Async>
    </div>
  );
}

function ControlTable({
  list,
  sort,
  params,
  sub,
  names,
}: {
  list: SecureScoreControl[];
  sort: Sort<SortKey>;
  params: Record<string, string>;
  sub: string;
  names?: { meta: Map<string, AssessmentMetadata>; assessments: Assessment[] };
}) {
  const rows = useMemo(() => {
    const v: Record<SortKey, (c: SecureScoreControl) => unknown> = {
      name: (c) => c.properties.displayName,
      max: (c) => c.properties.score.max,
      current: (c) => c.properties.score.current,
      percentage: (c) => c.properties.score.percentage,
      gap: (c) => c.properties.score.max - c.properties.score.current,
      unhealthy: (c) => c.properties.unhealthyResourceCount,
      healthy: (c) => c.properties.healthyResourceCount,
      na: (c) => c.properties.notApplicableResourceCount,
    };
    return sortBy(list, v[sort.key], sort.dir);
  }, [list, sort.key, sort.dir]);

  const chartRows = useMemo(() => [...list].filter((c) => c.properties.score.max > 0).sort((a, b) => a.properties.score.max - b.properties.score.max), [list]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 230, right: 24, top: 24, bottom: 24 },
      legend: { data: ['Current', 'At risk'], top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => fmtPoints(Number(v)) },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: chartRows.map((c) => c.properties.displayName), axisLabel: { width: 220, overflow: 'truncate' } },
      series: [
        { name: 'Current', type: 'bar', stack: 'p', data: chartRows.map((c) => c.properties.score.current), itemStyle: { color: '#2e7d32' }, barMaxWidth: 18 },
        { name: 'At risk', type: 'bar', stack: 'p', data: chartRows.map((c) => Math.round((c.properties.score.max - c.properties.score.current) * 100) / 100), itemStyle: { color: '#e57373' }, barMaxWidth: 18 },
      ],
    }),
    [chartRows],
  );

  const total = list.reduce((s, c) => s + c.properties.score.current, 0);
  const totalMax = list.reduce((s, c) => s + c.properties.score.max, 0);
  const open = params.control?.toLowerCase();
  const statusOf = (key: string) => {
    if (!names) return undefined;
    let u = 0;
    let h = 0;
    for (const a of names.assessments)
      if (a.name.toLowerCase() === key) {
        if (a.properties.status.code === 'Unhealthy') u++;
        else if (a.properties.status.code === 'Healthy') h++;
      }
    return { u, h };
  };

  return (
    <>
      <p className="summary">
        <span data-testid="controls-count">{list.length}</span> controls; {fmtPoints(total)} of {fmtPoints(totalMax)} points earned.
      </p>
      <Chart option={option} label={`Points per control: ${chartRows.map((c) => `${c.properties.displayName} ${fmtPoints(c.properties.score.current)} of ${c.properties.score.max}`).join('; ')}`} height={Math.max(160, chartRows.length * 26 + 60)} testId="controls-chart" />
      <div className="table-wrap">
        <table className="table" data-testid="controls-table">
          <thead>
            <tr>
              <SortHeader sort={sort} k="name" label="Control" />
              <SortHeader sort={sort} k="current" label="Current" numeric />
              <SortHeader sort={sort} k="max" label="Max" numeric />
              <SortHeader sort={sort} k="percentage" label="Score" numeric />
              <SortHeader sort={sort} k="gap" label="Potential increase" numeric />
              <SortHeader sort={sort} k="unhealthy" label="Unhealthy" numeric />
              <SortHeader sort={sort} k="healthy" label="Healthy" numeric />
              <SortHeader sort={sort} k="na" label="Not applicable" numeric />
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => {
              const p = c.properties;
              const expanded = open === c.name.toLowerCase();
              const recs = p.definition?.properties.assessmentDefinitions ?? [];
              return (
                <Fragment key={c.name}>
                  <tr className={expanded ? 'selected' : undefined} data-control={c.name}>
                    <td>
                      <button
                        type="button"
                        className="link"
                        aria-expanded={expanded}
                        aria-controls={`ctl-${c.name}`}
                        onClick={() => replaceParams({ control: expanded ? undefined : c.name })}
                      >
                        <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {p.displayName}
                      </button>
                    </td>
                    <td className="num" data-testid="control-current">{fmtPoints(p.score.current)}</td>
                    <td className="num">{fmtPoints(p.score.max)}</td>
                    <td className="num">
                      <span className="bar" aria-hidden="true">
                        <span style={{ width: `${p.score.percentage * 100}%` }} />
                      </span>
                      {fmtPercent(p.score.percentage)}
                    </td>
                    <td className="num">+{fmtPoints(Math.max(0, p.score.max - p.score.current))}</td>
                    <td className="num">{fmtInt(p.unhealthyResourceCount)}</td>
                    <td className="num">{fmtInt(p.healthyResourceCount)}</td>
                    <td className="num">{fmtInt(p.notApplicableResourceCount)}</td>
                  </tr>
                  {expanded ? (
                    <tr id={`ctl-${c.name}`} className="expansion">
                      <td colSpan={8}>
                        {p.definition?.properties.description ? <p>{p.definition.properties.description}</p> : null}
                        {recs.length ? (
                          <ul className="rec-list">
                            {recs.map((d) => {
                              const key = d.id.split('/').pop() ?? d.id;
                              const m = names?.meta.get(key.toLowerCase());
                              const st = statusOf(key.toLowerCase());
                              return (
                                <li key={key}>
                                  <a href={routeHref('recommendations', { sub, rec: key })}>{m?.properties.displayName ?? key}</a>
                                  {st ? (
                                    <span className="muted">
                                      {' '}
                                      — {st.u} unhealthy, {st.h} healthy
                                    </span>
                                  ) : null}
                                </li>
                              );
                            })}
                          </ul>
                        ) : (
                          <p className="muted">No recommendation listed for this control.</p>
                        )}
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
