/** Weekly trend of each KPI: a line chart, and the same figures as a table for screen readers. */

import { LineChart } from '@mantine/charts';
import { Stack, Title } from '@mantine/core';
import type { JSX } from 'react';
import { KPI_MEASURES, type KpiMeasure } from '../../fhir/kpi/measures';
import type { Rate } from '../../fhir/reports';
import { MEASURE_LABELS } from './format';
import { RatesTable } from './RatesTable';

const COLORS: Readonly<Record<KpiMeasure, string>> = {
  'response-rate': 'blue.6',
  'follow-up-completion-rate': 'teal.6',
  'survey-completion-rate': 'grape.6',
  'no-show-recovery-rate': 'green.6',
  'opt-out-rate': 'orange.6',
  'delivery-failure-rate': 'red.6',
};

/** Weekly rates, oldest week first. */
export function WeeklyTrend(props: {
  weekly: ReadonlyMap<string, ReadonlyMap<KpiMeasure, Rate>>;
}): JSX.Element {
  const measures = KPI_MEASURES.filter((m) => [...props.weekly.values()].some((r) => r.has(m)));
  const data = [...props.weekly].map(([week, rates]) => ({
    week,
    ...Object.fromEntries(
      measures.map((m) => {
        const rate = rates.get(m)?.rate;
        return [MEASURE_LABELS[m], rate === undefined ? null : Math.round(rate * 1000) / 10];
      }),
    ),
  }));
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Weekly trends
      </Title>
      <LineChart
        h={240}
        data={data}
        dataKey="week"
        unit="%"
        yAxisProps={{ domain: [0, 100] }}
        series={measures.map((m) => ({ name: MEASURE_LABELS[m], color: COLORS[m] }))}
        withLegend
        connectNulls
        role="img"
        aria-label="Weekly KPI trend chart (figures in the table below)"
      />
      <RatesTable caption="Weekly figures (week starting Monday)" rowLabel="Week" rates={props.weekly} />
    </Stack>
  );
}
