/** The funnel per workflow — sent → delivered → replied → completed — with where patients drop off. */

import { BarChart } from '@mantine/charts';
import { Stack, Table, Text, Title } from '@mantine/core';
import type { JSX } from 'react';
import { FUNNEL_STAGES, biggestDrop, type Funnel, type FunnelStage } from '../../fhir/reports';
import { percent, workflowName } from './format';

const STAGE_LABELS: Readonly<Record<FunnelStage, string>> = {
  sent: 'Sent',
  delivered: 'Delivered',
  replied: 'Replied',
  completed: 'Completed',
};

/** Funnels as a grouped bar chart and a table of counts with the share of those messaged. */
export function FunnelView(props: { funnels: readonly Funnel[] }): JSX.Element {
  const data = props.funnels.map((f) => ({
    workflow: workflowName(f.workflow),
    ...Object.fromEntries(FUNNEL_STAGES.map((s) => [STAGE_LABELS[s], f[s]])),
  }));
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Funnel per workflow
      </Title>
      <Text size="sm" c="dimmed">
        Enrolments messaged in the period. Completion can come without a text reply (a call, a booking).
      </Text>
      <BarChart
        h={220}
        data={data}
        dataKey="workflow"
        series={FUNNEL_STAGES.map((s, i) => ({
          name: STAGE_LABELS[s],
          color: ['blue.3', 'blue.5', 'blue.7', 'teal.7'][i] ?? 'blue.5',
        }))}
        role="img"
        aria-label="Funnel chart (counts in the table below)"
      />
      <Table.ScrollContainer minWidth={520}>
        <Table withTableBorder captionSide="top">
          <Table.Caption>Funnel counts</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Workflow</Table.Th>
              {FUNNEL_STAGES.map((s) => (
                <Table.Th key={s}>{STAGE_LABELS[s]}</Table.Th>
              ))}
              <Table.Th>Biggest drop</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {props.funnels.map((f) => {
              const drop = biggestDrop(f);
              return (
                <Table.Tr key={f.workflow}>
                  <Table.Th scope="row">{workflowName(f.workflow)}</Table.Th>
                  {FUNNEL_STAGES.map((s) => (
                    <Table.Td key={s}>
                      {f[s]}
                      {s !== 'sent' && f.sent > 0 ? ` (${percent(f[s] / f.sent)})` : ''}
                    </Table.Td>
                  ))}
                  <Table.Td>
                    {drop ? `${STAGE_LABELS[drop.from]} → ${STAGE_LABELS[drop.to]}: ${drop.lost} lost` : '–'}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
