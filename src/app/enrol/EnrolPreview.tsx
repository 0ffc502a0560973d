/** The preview of an enrolment: every message as it would go out, with its send time and the reasons. */
import { Badge, Box, Stack, Text } from '@mantine/core';
import type { JSX } from 'react';
import type { EnrollmentPlan } from '../../engine';
import { formatInZone } from '../format/formatInZone';

type Planned = Extract<EnrollmentPlan, { applicable: true }>;

/** The steps of a planned enrolment, in send order. */
export function EnrolPreview(props: { plan: Planned }): JSX.Element {
  const { plan } = props;
  return (
    <Stack gap={6} aria-label="Preview">
      {plan.notes.map((n) => (
        <Text key={n} size="xs" c="yellow.9">
          {n}
        </Text>
      ))}
      <Stack component="ol" gap={6} p={0} m={0} style={{ listStyle: 'none' }}>
        {plan.steps.map((s) => (
          <Box
            component="li"
            key={s.key}
            pl="xs"
            style={{ borderLeft: '2px solid var(--mantine-color-teal-3)' }}
            data-step={s.stepId}
          >
            <Text size="xs" c="gray.8">
              <Badge size="xs" variant="light" color={s.status === 'scheduled' ? 'blue' : 'gray'} mr={4}>
                {s.status === 'scheduled' ? (s.kind === 'task' ? 'task' : 'will send') : 'skipped'}
              </Badge>
              {formatInZone(s.at ?? s.nominalAt, plan.timeZone)}
              {s.channel ? ` · ${s.channel.toUpperCase()}` : ''}
              {s.segments ? ` · ${s.segments} segment${s.segments === 1 ? '' : 's'}` : ''}
            </Text>
            <Text size="sm" fw={600}>
              {s.title}
            </Text>
            {s.text ? (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                {s.text}
              </Text>
            ) : null}
            {s.reasons.map((r) => (
              <Text key={r} size="xs" c="yellow.9">
                {r}
              </Text>
            ))}
          </Box>
        ))}
      </Stack>
    </Stack>
  );
}
