/**
 * `/reports`: outcome KPIs from the roll-up's MeasureReports — practice-wide, by workflow (weakest marked),
 * by channel, by cohort (computed from the resources: the roll-up has no cohort stratifiers), weekly
 * trends, funnels — and a CSV of the same figures.
 */

import '@mantine/charts/styles.css';
import {
  Alert,
  Button,
  Group,
  List,
  NativeSelect,
  SimpleGrid,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { normalizeErrorString } from '@medplum/core';
import { DateTime } from 'luxon';
import { useMemo, useState, type JSX } from 'react';
import { KPI_MEASURES } from '../../fhir/kpi/measures';
import {
  summarizeReport,
  summaryCsv,
  type CohortDimension,
  type ReportRange,
  type WeakestOptions,
} from '../../fhir/reports';
import { useOptionalSession } from '../session/SessionContext';
import { downloadCsv } from './downloadCsv';
import { CHANNEL_LABELS, MEASURE_LABELS, percent, rateText, workflowName } from './format';
import { FunnelView } from './FunnelView';
import { RatesTable } from './RatesTable';
import { useReportData } from './useReportData';
import { useReportZone } from './useReportZone';
import { WeeklyTrend } from './WeeklyTrend';

/** Props for tests and embedding: the clock and the practice's time zone. */
export interface ReportsPageProps {
  readonly now?: () => Date;
  /** IANA zone of the report's days; default the practice's (as the roll-up's), else the browser's. */
  readonly zone?: string;
  /** When a workflow counts as weak (default: 5 or more cases, 5 points behind the practice). */
  readonly weakest?: WeakestOptions;
}

const COHORT_TITLES: Readonly<Record<CohortDimension, string>> = {
  'new-vs-returning': 'New vs returning patients',
  language: 'Language',
  'age-band': 'Age band',
};

/** The range of whole weeks ending yesterday (today is not rolled up yet). */
function rangeOf(weeks: number, now: Date, zone: string, organization: string | undefined): ReportRange {
  const yesterday = DateTime.fromJSDate(now, { zone }).minus({ days: 1 });
  return {
    from: yesterday.minus({ days: weeks * 7 - 1 }).toISODate() ?? '',
    to: yesterday.toISODate() ?? '',
    zone,
    ...(organization ? { organization } : {}),
  };
}

/** The reports page. */
export function ReportsPage(props: ReportsPageProps = {}): JSX.Element {
  const reportZone = useReportZone(props.zone);
  const zone = reportZone.zone ?? 'UTC';
  const [weeks, setWeeks] = useState(8);
  const session = useOptionalSession();
  const [now] = useState(() => (props.now ? props.now() : (session?.now() ?? new Date())));
  const organization = reportZone.organization;
  const range = useMemo(() => rangeOf(weeks, now, zone, organization), [weeks, now, zone, organization]);
  const data = useReportData(range, !reportZone.pending);
  const summary = useMemo(
    () => (data.data ? summarizeReport(data.data, props.weakest) : undefined),
    [data.data, props.weakest],
  );
  const weak = useMemo(() => new Map(summary?.weakest.map((w) => [w.workflow, w.measure])), [summary]);

  return (
    <Stack gap="md" p="sm">
      <Group justify="space-between" align="flex-end">
        <Title order={2}>Outcome reports</Title>
        <Group gap="xs" align="flex-end">
          <NativeSelect
            label="Period"
            data={[
              { value: '4', label: 'Last 4 weeks' },
              { value: '8', label: 'Last 8 weeks' },
              { value: '13', label: 'Last 13 weeks' },
            ]}
            value={String(weeks)}
            onChange={(e) => setWeeks(Number(e.currentTarget.value))}
          />
          <Button
            variant="light"
            disabled={!summary}
            onClick={() =>
              summary &&
              downloadCsv(`careloop-outcomes-${range.from}-to-${range.to}.csv`, summaryCsv(summary))
            }
          >
            Download CSV
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        {range.from} to {range.to} ({zone}). Rates count units once per day, as the daily roll-up does.
      </Text>
      {data.isPending ? <Text c="dimmed">Loading reports…</Text> : null}
      {data.isError ? (
        <Alert color="red" title="Could not load the reports">
          {normalizeErrorString(data.error)}
        </Alert>
      ) : null}
      {summary && summary.reportCount === 0 ? (
        <Alert color="gray" title="No figures yet">
          The KPI roll-up has not written any reports for this period. It runs each night for the day before.
        </Alert>
      ) : null}
      {summary && summary.reportCount > 0 ? (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs" aria-label="Practice-wide">
            {KPI_MEASURES.filter((m) => summary.overall.has(m)).map((m) => (
              <Paper key={m} withBorder p="xs">
                <Text size="xs" c="dimmed">
                  {MEASURE_LABELS[m]}
                </Text>
                <Text fw={700} size="lg">
                  {percent(summary.overall.get(m)?.rate)}
                </Text>
                <Text size="xs">{rateText(summary.overall.get(m))}</Text>
              </Paper>
            ))}
          </SimpleGrid>
          {summary.weakest.length > 0 ? (
            <Alert color="orange" title="Weakest workflows">
              <List size="sm">
                {summary.weakest.map((w) => (
                  <List.Item key={w.workflow}>
                    {workflowName(w.workflow)}: {MEASURE_LABELS[w.measure].toLowerCase()} {percent(w.rate)}{' '}
                    against {percent(w.practiceRate)} practice-wide
                  </List.Item>
                ))}
              </List>
            </Alert>
          ) : null}
          <RatesTable
            caption="By workflow"
            rowLabel="Workflow"
            rates={summary.byWorkflow}
            nameOf={workflowName}
            highlight={weak}
          />
          <RatesTable
            caption="By channel"
            rowLabel="Channel"
            rates={summary.byChannel}
            nameOf={(c) => CHANNEL_LABELS[c] ?? c}
          />
          <WeeklyTrend weekly={summary.weekly} />
          <FunnelView funnels={summary.funnels} />
          <Title order={3} size="h4">
            By cohort
          </Title>
          <Text size="sm" c="dimmed">
            Computed from the messages and enrolments of the period with the roll-up’s own rules (the daily
            reports are not split by cohort).
          </Text>
          {(Object.keys(COHORT_TITLES) as CohortDimension[]).map((d) => (
            <RatesTable key={d} caption={COHORT_TITLES[d]} rowLabel="Cohort" rates={summary.cohorts[d]} />
          ))}
        </>
      ) : null}
    </Stack>
  );
}
