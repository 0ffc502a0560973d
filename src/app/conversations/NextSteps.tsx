/** What automation will do next and what it chose not to do, beside the thread. */

import { Badge, List, Stack, Text, Title } from '@mantine/core';
import type { CommunicationRequest } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { channelOf } from '../../engine/planning/resources';
import { formatInZone } from '../format/formatInZone';

function preview(r: CommunicationRequest): string {
  const text = r.payload?.[0]?.contentString ?? '';
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** Upcoming planned messages (soonest first) and recently skipped steps with their reasons. */
export function NextSteps(props: {
  upcoming: readonly CommunicationRequest[];
  skipped: readonly CommunicationRequest[];
  zone: string;
}): JSX.Element {
  return (
    <Stack gap="xs" component="section" aria-label="What automation will do next">
      <Title order={3} size="h5">
        Next automated messages
      </Title>
      {props.upcoming.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing scheduled.
        </Text>
      ) : (
        <List size="sm" spacing={4}>
          {props.upcoming.map((r) => (
            <List.Item key={r.id}>
              <Text size="sm" span fw={600}>
                {formatInZone(r.occurrenceDateTime, props.zone)}
              </Text>{' '}
              <Badge size="xs" variant="light">
                {channelOf(r) ?? 'message'}
              </Badge>{' '}
              {r.category?.[0]?.text ? (
                <Text span size="xs" c="dimmed">{`${r.category[0].text}: `}</Text>
              ) : null}
              <Text span size="sm">
                {preview(r)}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
      {props.skipped.length > 0 ? (
        <>
          <Title order={3} size="h5">
            Skipped or stopped
          </Title>
          <List size="sm" spacing={4}>
            {props.skipped.map((r) => (
              <List.Item key={r.id}>
                {r.category?.[0]?.text ? `${r.category[0].text}: ` : ''}
                {r.statusReason?.text ?? 'stopped'}
              </List.Item>
            ))}
          </List>
        </>
      ) : null}
    </Stack>
  );
}
