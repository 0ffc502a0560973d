/**
 * `/conversations/:patientId`: one patient's conversation for a coordinator — what the patient said and
 * what automation sent (the shared ConversationThread), what automation will do next, the linked tasks
 * with their next action (worked in place with the worklist's TaskPanel), and the shared ReplyBox, whose
 * sends go through the same compliance checks as automated messages.
 */

import { Alert, Anchor, Badge, Grid, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { formatHumanName } from '@medplum/core';
import type { Task } from '@medplum/fhirtypes';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type JSX } from 'react';
import { Link, useParams } from 'react-router';
import { resolveTimeZone } from '../../engine';
import {
  BUSINESS_STATUSES,
  businessStatusOf,
  conversationFacts,
  dueOf,
  isOverdue,
  labelOf,
  taskTitle,
} from '../../fhir/worklist';
import { queryKeys } from '../data/queryKeys';
import { useEngagement } from '../data/useEngagement';
import { useMedplumPatient } from '../data/useMedplumPatient';
import { usePractice } from '../data/usePractice';
import { errorText } from '../format/errorText';
import { formatInZone } from '../format/formatInZone';
import { useCareloopSession } from '../session/SessionContext';
import { ConversationThread } from '../thread/ConversationThread';
import { ReplyBox } from '../thread/ReplyBox';
import { TaskPanel } from '../worklist/TaskPanel';
import { useViewer } from '../worklist/useViewer';
import { NextSteps } from './NextSteps';

/** The conversation page for the route's patient. */
export function ConversationPage(): JSX.Element {
  const { patientId = '' } = useParams();
  const session = useCareloopSession();
  const patient = useMedplumPatient(patientId);
  const engagement = useEngagement(patientId);
  const practice = usePractice();
  const viewer = useViewer();
  const queryClient = useQueryClient();
  const [openTask, setOpenTask] = useState<string | undefined>();

  if (patient.isPending) {
    return <Loader size="sm" aria-label="Loading the patient" m="md" />;
  }
  if (patient.isError) {
    return (
      <Alert color="red" title="Patient not found" m="md">
        {errorText(patient.error)}{' '}
        <Anchor component={Link} to="/worklist">
          Back to the worklist
        </Anchor>
      </Alert>
    );
  }
  const p = patient.data;
  const name = p.name?.[0] ? formatHumanName(p.name[0]) : `Patient ${patientId}`;
  const zone = resolveTimeZone(p, practice.data?.timeZone ?? 'UTC').zone;
  const facts = engagement.data ? conversationFacts(engagement.data) : undefined;
  const actor = viewer.me
    ? { reference: viewer.me, ...(viewer.display ? { display: viewer.display } : {}) }
    : undefined;
  const refresh = (): void => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.engagement(patientId) });
  };

  return (
    <Stack gap="sm" p="sm">
      <Group justify="space-between">
        <Title order={2}>Conversation with {name}</Title>
        <Anchor component={Link} to="/worklist" size="sm">
          Back to the worklist
        </Anchor>
      </Group>
      {engagement.isError ? (
        <Alert color="red" title="Could not load this patient's plans and tasks">
          {errorText(engagement.error)}
        </Alert>
      ) : null}
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="sm">
            <Paper withBorder p="sm" component="section" aria-label="Messages with the patient">
              <ConversationThread patient={p} showNext={false} />
            </Paper>
            <Paper withBorder p="sm" component="section" aria-label="Reply">
              <ReplyBox patient={p} />
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="sm">
            <Paper withBorder p="sm" component="section" aria-label="Tasks for this patient">
              <Title order={3} size="h5">
                Tasks
              </Title>
              {!facts ? (
                <Loader size="xs" aria-label="Loading tasks" />
              ) : facts.openTasks.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No open tasks.
                </Text>
              ) : (
                <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                  {facts.openTasks.map((t: Task) => (
                    <li key={t.id}>
                      <Group gap={6} wrap="wrap">
                        <Anchor component="button" type="button" onClick={() => setOpenTask(t.id)} size="sm">
                          Next: {taskTitle(t)}
                        </Anchor>
                        <Badge size="xs" variant="light">
                          {labelOf(BUSINESS_STATUSES, businessStatusOf(t)) || t.status}
                        </Badge>
                        {dueOf(t) ? (
                          <Text size="xs" c={isOverdue(t, session.now()) ? 'red' : 'dimmed'}>
                            {isOverdue(t, session.now()) ? 'overdue, ' : ''}due {formatInZone(dueOf(t), zone)}
                          </Text>
                        ) : null}
                      </Group>
                    </li>
                  ))}
                </Stack>
              )}
            </Paper>
            {facts && openTask
              ? facts.openTasks
                  .filter((t) => t.id === openTask)
                  .map((t) => (
                    <TaskPanel
                      key={t.id}
                      task={t}
                      {...(actor ? { actor } : {})}
                      patientName={name}
                      queueOwners={viewer.queueOwners}
                      people={viewer.people}
                      now={() => session.now()}
                      onSaved={refresh}
                      hideConversationLink
                    />
                  ))
              : null}
            <Paper withBorder p="sm">
              {facts ? <NextSteps upcoming={facts.upcoming} skipped={facts.skipped} zone={zone} /> : null}
              {facts && facts.activePlans.length > 0 ? (
                <Text size="xs" c="dimmed" mt="xs">
                  Running: {facts.activePlans.map((pl) => pl.title ?? 'plan').join(', ')}
                </Text>
              ) : null}
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
