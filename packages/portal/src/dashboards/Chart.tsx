/**
 * One ECharts chart. Only the pieces the dashboards draw are imported (bar and line series, grid, tooltip, the canvas
 * renderer), so the charts chunk stays as small as ECharts allows. Legends are HTML next to the chart (see
 * `ChartLegend`): they wrap on a phone instead of running into the plot, and read as text. The chart follows its container's size (ResizeObserver) and
 * is disposed with the component; for screen readers it is an image whose label describes the figures, and every
 * chart has a data table next to it.
 */
import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([BarChart, LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption
>;

export interface LegendItem {
  readonly name: string;
  readonly colour: string;
  /** A line series (drawn as a short line instead of a square). */
  readonly line?: boolean;
}

/** The series of a chart, in its colours. */
export function ChartLegend({ items }: { readonly items: readonly LegendItem[] }) {
  if (items.length < 2) return null;
  return (
    <ul
      style={{
        display: 'flex',
        flexWrap: 'wrap',
        gap: '4px 16px',
        listStyle: 'none',
        margin: '0 0 4px',
        padding: 0,
        fontSize: 13,
      }}
    >
      {items.map((item) => (
        <li key={item.name} style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
          <span
            aria-hidden
            style={{
              display: 'inline-block',
              width: 14,
              height: item.line === true ? 3 : 10,
              borderRadius: 2,
              background: item.colour,
            }}
          />
          {item.name}
        </li>
      ))}
    </ul>
  );
}

export interface ChartProps {
  readonly option: ChartOption;
  /** What the chart shows, in words (read out instead of the picture). */
  readonly label: string;
  readonly height?: number;
  readonly testId?: string;
}

export function Chart({ option, label, height = 300, testId }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);

  useEffect(() => {
    const el = container.current;
    if (el === null) return;
    const c = init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    // Resize on the next frame: resizing inside the observer's callback can trigger another observation in a loop.
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => c.resize());
    });
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      c.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return (
    <div
      ref={container}
      role="img"
      aria-label={label}
      data-testid={testId}
      style={{ width: '100%', height, minWidth: 0 }}
    />
  );
}
