/** One workflow definition, readably: trigger, conditions, steps with timing, channels and texts, replies. */

import { Badge, Blockquote, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { JSX } from 'react';
import type { WorkflowDefinition } from '../../engine/workflow/types';
import { WORKFLOW_LABELS } from '../../fhir/worklist/labels';
import {
  describeBranch,
  describeChannels,
  describeTask,
  describeTiming,
  describeTrigger,
  languageName,
} from './describeWorkflow';

/** A workflow as a card. */
export function WorkflowCard(props: { workflow: WorkflowDefinition }): JSX.Element {
  const w = props.workflow;
  return (
    <Paper withBorder p="md" component="article" aria-labelledby={`wf-${w.name}`}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} id={`wf-${w.name}`}>
            {w.title}
          </Title>
          <Group gap={4}>
            <Badge variant="light">{WORKFLOW_LABELS[w.purpose] ?? w.purpose}</Badge>
            <Badge variant="outline">v{w.version}</Badge>
            {w.consentBasis === 'prior-express-consent' ? (
              <Badge color="grape" variant="light">
                Needs prior consent
              </Badge>
            ) : null}
          </Group>
        </Group>
        {w.description ? <Text size="sm">{w.description}</Text> : null}
        <Text size="sm">
          <strong>Starts:</strong> {describeTrigger(w.trigger)}
          {w.cohort ? ` (cohort: ${w.cohort})` : ''}
        </Text>
        {w.conditions.length > 0 ? (
          <div>
            <Text size="sm" fw={600}>
              Only for patients where
            </Text>
            <List size="sm">
              {w.conditions.map((c) => (
                <List.Item key={c.expression}>{c.description}</List.Item>
              ))}
            </List>
          </div>
        ) : null}
        <Title order={4} size="h5">
          Steps
        </Title>
        <Stack gap="xs">
          {w.steps.map((step, i) => (
            <Paper
              key={step.id}
              withBorder
              p="xs"
              component="section"
              aria-label={`Step ${i + 1}: ${step.title}`}
            >
              <Text fw={600} size="sm">
                {i + 1}. {step.title}
              </Text>
              <Text size="sm">When: {describeTiming(step.timing)}</Text>
              {step.kind === 'message' ? (
                <Text size="sm">How: {describeChannels(step.channels)}</Text>
              ) : (
                <Text size="sm">What: a task for a person on the worklist</Text>
              )}
              {step.templates.length > 0 ? (
                <Table withRowBorders={false} verticalSpacing={2}>
                  <Table.Tbody>
                    {step.templates.map((t) => (
                      <Table.Tr key={`${t.language}-${t.channel ?? 'any'}`}>
                        <Table.Th scope="row" w={150} style={{ verticalAlign: 'top' }}>
                          {languageName(t.language)}
                          {t.channel ? ` (${describeChannels([t.channel])})` : ''}
                        </Table.Th>
                        <Table.Td>
                          {t.subject ? (
                            <Text size="xs" fw={600}>
                              Subject: {t.subject}
                            </Text>
                          ) : null}
                          <Blockquote
                            p={4}
                            m={0}
                            style={{ whiteSpace: 'pre-wrap', fontSize: 'var(--mantine-font-size-sm)' }}
                          >
                            {t.body}
                          </Blockquote>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : null}
            </Paper>
          ))}
        </Stack>
        {w.branches.length > 0 || w.noResponse ? (
          <>
            <Title order={4} size="h5">
              When the patient replies
            </Title>
            <List size="sm">
              {w.branches.map((b) => (
                <List.Item key={b.intent}>{describeBranch(b)}</List.Item>
              ))}
              {w.noResponse ? (
                <List.Item>
                  No reply after {w.noResponse.touches} messages → {describeTask(w.noResponse.task)}
                </List.Item>
              ) : null}
            </List>
          </>
        ) : null}
      </Stack>
    </Paper>
  );
}
