/** Open work for people about this patient: kind, owner, due. */
import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import type { Task } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { CS, taskLabel } from '../../engine';
import { formatInZone } from '../format/formatInZone';

const OPEN = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);

/** True for a task someone still has to do. */
export function isOpenTask(task: Task): boolean {
  return OPEN.has(task.status);
}

function ownerOf(task: Task): string {
  if (task.owner) {
    return task.owner.display ?? task.owner.reference ?? 'assigned';
  }
  const queue = task.performerType?.[0];
  return queue ? `${queue.text ?? queue.coding?.[0]?.code ?? 'queue'} queue (unclaimed)` : 'Unassigned';
}

/** Open tasks, soonest due first. */
export function TasksSection(props: { tasks: readonly Task[]; zone: string; now: Date }): JSX.Element {
  const open = props.tasks
    .filter(isOpenTask)
    .sort(
      (a, b) =>
        Date.parse(a.restriction?.period?.end ?? '9999') - Date.parse(b.restriction?.period?.end ?? '9999'),
    );
  return (
    <Stack gap="xs" component="section" aria-labelledby="tasks-title">
      <Title order={2} size="h5" id="tasks-title">
        Open tasks
      </Title>
      {open.length === 0 ? (
        <Text size="sm" c="gray.7">
          No open tasks.
        </Text>
      ) : (
        <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: 'none' }}>
          {open.map((t) => {
            const kind = t.code?.coding?.find((c) => c.system === CS.taskKind)?.code;
            const due = t.restriction?.period?.end;
            const overdue = due ? Date.parse(due) < props.now.getTime() : false;
            return (
              <Stack component="li" key={t.id} gap={2}>
                <Text size="sm" fw={600}>
                  {t.code?.text ?? (kind ? taskLabel(kind) : 'Task')}
                </Text>
                {t.description ? <Text size="xs">{t.description}</Text> : null}
                <Group gap={4}>
                  <Text size="xs" c="gray.8">
                    Owner: {ownerOf(t)} · Due {formatInZone(due, props.zone)}
                  </Text>
                  {overdue ? (
                    <Badge size="xs" color="red" variant="light">
                      overdue
                    </Badge>
                  ) : null}
                  {t.priority && t.priority !== 'routine' ? (
                    <Badge size="xs" color="orange" variant="light">
                      {t.priority}
                    </Badge>
                  ) : null}
                </Group>
              </Stack>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
