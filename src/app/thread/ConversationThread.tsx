/**
 * The conversation with one patient across every plan: what was sent (with delivery status), what the
 * patient said (with the understood intent), staff replies still waiting for the dispatcher, and what
 * automation will send next. Reusable: the chart panel and the coordinators' conversation page both use it.
 */
import { Alert, Badge, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { resolveTimeZone } from '../../engine';
import { nextScheduled, threadMessages, type ThreadMessage } from '../../fhir/app/conversation';
import { intentLabel } from '../../fhir/app/timeline';
import { useEngagement } from '../data/useEngagement';
import { usePractice } from '../data/usePractice';
import { formatInZone } from '../format/formatInZone';
import { errorText } from '../format/errorText';

/** Props of ConversationThread. */
export interface ConversationThreadProps {
  /** The Medplum Patient whose thread to show. */
  readonly patient: Patient;
  /** Show the next automated message under the thread (default true). */
  readonly showNext?: boolean;
}

const STATUS_COLORS: Record<string, string> = {
  delivered: 'teal',
  read: 'teal',
  failed: 'red',
  undelivered: 'red',
  waiting: 'yellow',
};

function Message(props: { message: ThreadMessage; zone: string }): JSX.Element {
  const m = props.message;
  const inbound = m.direction === 'in';
  return (
    <Paper
      component="li"
      withBorder
      p="xs"
      radius="md"
      maw="90%"
      ml={inbound ? 0 : 'auto'}
      bg={inbound ? 'gray.0' : 'teal.0'}
      aria-label={`${inbound ? 'From the patient' : m.byStaff ? 'From staff' : 'Automated'} message`}
    >
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {m.text}
      </Text>
      <Group gap={6} mt={4} wrap="wrap">
        <Text size="xs" c="gray.7">
          {inbound ? 'Patient' : m.byStaff ? 'Staff' : 'Careloop'}
          {m.channel ? ` · ${m.channel.toUpperCase()}` : ''} · {formatInZone(m.at, props.zone)}
        </Text>
        {m.status ? (
          <Badge size="xs" variant="light" color={STATUS_COLORS[m.status] ?? 'gray'}>
            {m.status}
          </Badge>
        ) : null}
        {inbound ? (
          <Badge size="xs" variant="outline" color="gray">
            {intentLabel(m.intent)}
          </Badge>
        ) : null}
      </Group>
      {m.note ? (
        <Text size="xs" c="gray.7" mt={2}>
          {m.note}
        </Text>
      ) : null}
    </Paper>
  );
}

/** The patient's message thread. */
export function ConversationThread(props: ConversationThreadProps): JSX.Element {
  const patientId = props.patient.id ?? '';
  const engagement = useEngagement(patientId);
  const practice = usePractice(props.patient);
  const zone = resolveTimeZone(props.patient, practice.data?.timeZone ?? 'UTC').zone;
  if (engagement.isPending) {
    return <Loader size="sm" aria-label="Loading the conversation" />;
  }
  if (engagement.isError) {
    return (
      <Alert color="red" title="The conversation could not be loaded">
        {errorText(engagement.error)}
      </Alert>
    );
  }
  const messages = threadMessages(engagement.data.communications, engagement.data.requests);
  const next = props.showNext === false ? undefined : nextScheduled(engagement.data.requests);
  return (
    <Stack gap="xs">
      {messages.length === 0 ? (
        <Text size="sm" c="gray.7">
          No messages yet.
        </Text>
      ) : (
        <Stack component="ul" gap={6} aria-label="Messages" p={0} m={0} style={{ listStyle: 'none' }}>
          {messages.map((m) => (
            <Message key={m.key} message={m} zone={zone} />
          ))}
        </Stack>
      )}
      {next ? (
        <Text size="xs" c="gray.7">
          Next automated message: {formatInZone(next.occurrenceDateTime, zone)}
          {next.category?.[0]?.text ? ` (${next.category[0].text})` : ''}
        </Text>
      ) : null}
    </Stack>
  );
}
