/** One plan's steps in time order: scheduled, sent, delivered, replied, skipped, tasks, outcome. */
import { Badge, Box, Stack, Text } from '@mantine/core';
import type { JSX } from 'react';
import type { TimelineItem } from '../../fhir/app/timeline';
import { formatInZone } from '../format/formatInZone';

const KIND_LABELS: Record<TimelineItem['kind'], { label: string; color: string }> = {
  scheduled: { label: 'scheduled', color: 'blue' },
  paused: { label: 'paused', color: 'yellow' },
  sent: { label: 'sent', color: 'teal' },
  delivered: { label: 'delivered', color: 'teal' },
  failed: { label: 'failed', color: 'red' },
  replied: { label: 'replied', color: 'grape' },
  skipped: { label: 'skipped', color: 'gray' },
  task: { label: 'task', color: 'orange' },
  outcome: { label: 'outcome', color: 'dark' },
};

/** The timeline list. */
export function PlanTimeline(props: { items: readonly TimelineItem[]; zone: string }): JSX.Element {
  if (props.items.length === 0) {
    return (
      <Text size="sm" c="gray.7">
        No steps recorded.
      </Text>
    );
  }
  return (
    <Stack component="ol" gap={6} p={0} m={0} style={{ listStyle: 'none' }}>
      {props.items.map((item) => {
        const kind = KIND_LABELS[item.kind];
        return (
          <Box
            component="li"
            key={item.key}
            pl="xs"
            style={{ borderLeft: '2px solid var(--mantine-color-gray-4)' }}
            data-kind={item.kind}
          >
            <Text size="xs" c="gray.8">
              <Badge size="xs" variant="light" color={kind.color} mr={4}>
                {kind.label}
              </Badge>
              {formatInZone(item.at, props.zone)}
              {item.channel ? ` · ${item.channel.toUpperCase()}` : ''}
            </Text>
            <Text size="sm">{item.title}</Text>
            {item.text ? (
              <Text size="xs" c="gray.8" style={{ overflowWrap: 'anywhere' }}>
                “{item.text}”
              </Text>
            ) : null}
            {item.reasons.map((r) => (
              <Text key={r} size="xs" c="yellow.9">
                {r}
              </Text>
            ))}
          </Box>
        );
      })}
    </Stack>
  );
}
