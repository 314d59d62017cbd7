import { useMemo } from 'react';
import type { ChartOption } from '../echarts';
import type { ScorePoint } from '../types';
import { Chart } from './Chart';
import { Empty } from './Status';

/**
 * History values may be fractions (0..1, what the server records), percentages, or score objects: plot a percentage.
 * The scale is decided for the whole series, so a 0.5% point in a percentage series is not read as 50%.
 */
function toPercents(points: ScorePoint[]): Array<readonly [string, number]> {
  const nums = points.map((p) => (typeof p.score === 'number' ? p.score : undefined)).filter((v): v is number => v !== undefined);
  const fractions = nums.every((v) => v <= 1);
  const out: Array<readonly [string, number]> = [];
  for (const p of points) {
    const v = p.score;
    let pct: number | undefined;
    if (typeof v === 'number') pct = fractions ? v * 100 : v;
    else if (v && typeof v === 'object') {
      if (typeof v.percentage === 'number') pct = v.percentage * 100;
      else if (typeof v.current === 'number' && typeof v.max === 'number' && v.max > 0) pct = (v.current / v.max) * 100;
    }
    if (pct !== undefined && Number.isFinite(pct)) out.push([p.at, pct] as const);
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The secure score over time (`/palisade/v1/score-history`), as a percentage line. */
export function ScoreTrend({ points, testId = 'score-trend' }: { points: ScorePoint[]; testId?: string }) {
  const data = useMemo(() => toPercents(points), [points]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 44, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => `${Number(v).toFixed(1)}%` },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ type: 'line', data: data.map((d) => [d[0], Math.round(d[1] * 10) / 10]), showSymbol: data.length < 40, lineStyle: { width: 2, color: '#1f5fbf' }, itemStyle: { color: '#1f5fbf' } }],
    }),
    [data],
  );
  if (!data.length) return <Empty>No history yet: the trend appears once scores have been recorded over time.</Empty>;
  return <Chart option={option} label={`Secure score trend, ${data.length} points`} height={200} testId={testId} />;
}
