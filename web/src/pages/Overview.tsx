import { useMemo } from 'react';
import { getSecureScore, listAssessments, listAttackPaths, listPricings, listPriorities, listSecureScoreControls, scoreHistory } from '../api';
import { Chart } from '../components/Chart';
import { ScoreTrend } from '../components/ScoreTrend';
import { Async, Empty } from '../components/Status';
import { numeric, TableHead } from '../components/Table';
import type { ChartOption } from '../echarts';
import { fmtInt, fmtPercent, fmtPoints, resourceName, RISK_LEVELS } from '../format';
import { routeHref, useAsync } from '../hooks';
import { buildRecommendations } from '../model';
import type { AttackPath, Pricing, SecureScore } from '../types';
import type { PageProps } from '../App';

export function pricingTier(p: Pricing): string {
  return p.properties?.pricingTier ?? p.pricingTier ?? 'Free';
}

export function pricingSubPlan(p: Pricing): string | null | undefined {
  return p.properties?.subPlan ?? p.subPlan;
}

const RISK_COLORS: Record<string, string> = { Critical: '#8b0000', High: '#c62828', Medium: '#ef6c00', Low: '#f9a825' };

export function Overview({ subscription }: PageProps) {
  const sub = subscription.subscriptionId;
  const score = useAsync(() => getSecureScore(sub), [sub]);
  const history = useAsync(() => scoreHistory(sub), [sub]);
  const pricings = useAsync(() => listPricings(sub), [sub]);
  const recs = useAsync(async () => {
    const [a, c] = await Promise.all([listAssessments(sub), listSecureScoreControls(sub)]);
    return buildRecommendations(a, c);
  }, [sub]);
  const paths = useAsync(() => listAttackPaths(sub), [sub]);
  const priorities = useAsync(() => listPriorities(sub, 10), [sub]);

  return (
    <div className="page">
      <h1>Overview</h1>
      <p className="muted">
        {subscription.displayName} <code>{sub}</code>
      </p>
      <div className="grid overview-grid">
        <section className="card" aria-labelledby="ov-score">
          <h2 id="ov-score">Secure score</h2>
          <Async state={score} what="the secure score">
            {(s) => <ScoreGauge score={s} />}
          </Async>
        </section>

        <section className="card" aria-labelledby="ov-trend">
          <h2 id="ov-trend">Score trend</h2>
          <Async state={history} what="the score history">
            {(h) => <ScoreTrend points={h} />}
          </Async>
        </section>

        <section className="card" aria-labelledby="ov-plans">
          <h2 id="ov-plans">Defender plan coverage</h2>
          <Async state={pricings} what="the Defender plans">
            {(p) => <PlanCoverage pricings={p} />}
          </Async>
        </section>

        <section className="card" aria-labelledby="ov-paths">
          <h2 id="ov-paths">Attack paths by risk</h2>
          <Async state={paths} what="attack paths">
            {(p) => <PathsByRisk paths={p} sub={sub} />}
          </Async>
        </section>

        <section className="card wide" aria-labelledby="ov-recs">
          <h2 id="ov-recs">Top recommendations by points at risk</h2>
          <Async state={recs} what="recommendations">
            {(r) => {
              const top = r.filter((x) => x.pointsAtRisk > 0).sort((a, b) => b.pointsAtRisk - a.pointsAtRisk || b.unhealthy - a.unhealthy).slice(0, 8);
              if (!top.length) return <Empty>No recommendation has points at risk.</Empty>;
              return (
                <table className="table" data-testid="top-recommendations">
                  <TableHead columns={['Recommendation', 'Severity', 'Control', numeric('Unhealthy resources'), numeric('Points at risk')]} />
                  <tbody>
                    {top.map((x) => (
                      <tr key={x.key} data-key={x.key}>
                        <td>
                          <a href={routeHref('recommendations', { sub, rec: x.key })}>{x.displayName}</a>
                        </td>
                        <td>
                          <span className={`sev sev-${x.severity.toLowerCase()}`}>{x.severity}</span>
                        </td>
                        <td>{x.controlName ?? '–'}</td>
                        <td className="num">{fmtInt(x.unhealthy)}</td>
                        <td className="num" data-testid="rec-points">
                          +{fmtPoints(x.pointsAtRisk)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              );
            }}
          </Async>
        </section>

        <section className="card wide" aria-labelledby="ov-prio">
          <h2 id="ov-prio">Fix first</h2>
          <p className="help">Unhealthy resources ranked by the points a fix adds × exploitability (internet reach, attack paths).</p>
          <Async state={priorities} what="priorities">
            {(items) =>
              items.length ? (
                <table className="table" data-testid="priorities">
                  <TableHead columns={[numeric('#'), 'Recommendation', 'Resource', 'Exposure', numeric('Points'), numeric('Priority')]} />
                  <tbody>
                    {items.map((i) => (
                      <tr key={`${i.assessmentKey}|${i.resourceId}`}>
                        <td className="num">{i.rank}</td>
                        <td>
                          <a href={routeHref('recommendations', { sub, rec: i.assessmentKey })}>{i.recommendation}</a>
                        </td>
                        <td title={i.resourceId}>{resourceName(i.resourceId)}</td>
                        <td>{i.exposure ? [i.exposure.internetExposed ? 'Internet' : i.exposure.hops !== undefined ? `${i.exposure.hops} hop${i.exposure.hops === 1 ? '' : 's'} in` : null, i.exposure.onAttackPath ? 'attack path' : null].filter(Boolean).join(', ') || '–' : '–'}</td>
                        <td className="num">{fmtPoints(i.points)}</td>
                        <td className="num">{fmtPoints(i.priority)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <Empty>Nothing to fix: no unhealthy resource.</Empty>
              )
            }
          </Async>
        </section>
      </div>
    </div>
  );
}

export function ScoreGauge({ score }: { score: SecureScore }) {
  const s = score.properties.score;
  const pct = Math.round(s.percentage * 1000) / 10;
  const option = useMemo<ChartOption>(
    () => ({
      series: [
        {
          type: 'gauge',
          startAngle: 210,
          endAngle: -30,
          min: 0,
          max: 100,
          radius: '95%',
          progress: { show: true, width: 16, itemStyle: { color: pct >= 70 ? '#2e7d32' : pct >= 40 ? '#ef6c00' : '#c62828' } },
          axisLine: { lineStyle: { width: 16, color: [[1, '#e3e7ee']] } },
          pointer: { show: false },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: { show: false },
          anchor: { show: false },
          title: { show: false },
          detail: { valueAnimation: false, formatter: '{value}%', fontSize: 30, fontWeight: 600, color: '#1b2430', offsetCenter: [0, '0%'] },
          data: [{ value: pct, name: 'Secure score' }],
        },
      ],
    }),
    [pct],
  );
  return (
    <div className="score">
      <Chart option={option} label={`Secure score ${pct}%`} height={190} testId="score-gauge" />
      <p className="score-text">
        <span data-testid="score-current">{fmtPoints(s.current)}</span> of <span data-testid="score-max">{fmtPoints(s.max)}</span> points ·{' '}
        <span data-testid="score-percent">{fmtPercent(s.percentage, 1)}</span>
      </p>
    </div>
  );
}

function PlanCoverage({ pricings }: { pricings: Pricing[] }) {
  const standard = pricings.filter((p) => pricingTier(p) === 'Standard');
  const sorted = [...pricings].sort((a, b) => (pricingTier(a) === pricingTier(b) ? a.name.localeCompare(b.name) : pricingTier(a) === 'Standard' ? -1 : 1));
  return (
    <>
      <p className="stat">
        <span className="big" data-testid="plans-standard">
          {standard.length}
        </span>{' '}
        of <span data-testid="plans-total">{pricings.length}</span> plans on Standard
      </p>
      <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={pricings.length} aria-valuenow={standard.length} aria-label="Plans on Standard">
        <div style={{ width: `${pricings.length ? (standard.length / pricings.length) * 100 : 0}%` }} />
      </div>
      <ul className="plans">
        {sorted.map((p) => (
          <li key={p.name} className={pricingTier(p) === 'Standard' ? 'on' : 'off'}>
            <span title={p.name}>{p.name}</span>
            <span className="tier" title={pricingSubPlan(p) ? `Sub-plan ${pricingSubPlan(p)}` : undefined}>
              {pricingTier(p)}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

function PathsByRisk({ paths, sub }: { paths: AttackPath[]; sub: string }) {
  const counts = RISK_LEVELS.map((r) => ({ risk: r, n: paths.filter((p) => p.properties.riskLevel === r).length }));
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 70, right: 24, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: [...counts].reverse().map((c) => c.risk) },
      series: [{ type: 'bar', data: [...counts].reverse().map((c) => ({ value: c.n, itemStyle: { color: RISK_COLORS[c.risk] } })), barMaxWidth: 22, label: { show: true, position: 'right' } }],
    }),
    [paths],
  );
  return (
    <>
      <p className="stat">
        <a href={routeHref('attack-paths', { sub })}>
          <span className="big" data-testid="paths-total">
            {paths.length}
          </span>{' '}
          attack paths
        </a>
      </p>
      <Chart option={option} label={counts.map((c) => `${c.risk}: ${c.n}`).join(', ')} height={150} testId="paths-chart" />
      <ul className="risk-counts">
        {counts.map((c) => (
          <li key={c.risk}>
            <span className={`risk risk-${c.risk.toLowerCase()}`}>{c.risk}</span> <span data-testid={`paths-${c.risk}`}>{c.n}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
