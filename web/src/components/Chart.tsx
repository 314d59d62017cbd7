import { useEffect, useRef } from 'react';
import { echarts, type ChartOption } from '../echarts';

interface Props {
  option: ChartOption;
  /** What the chart shows, for screen readers (the numbers are also on the page as text). */
  label: string;
  height?: number;
  testId?: string;
}

export function Chart({ option, label, height = 240, testId }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'svg' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, true);
  }, [option]);
  return <div ref={el} className="chart" style={{ height }} role="img" aria-label={label} data-testid={testId} />;
}
