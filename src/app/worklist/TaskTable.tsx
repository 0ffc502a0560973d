/** One page of tasks: patient, what to do, workflow, stage, owner, priority and due (overdue marked). */

import { Anchor, Badge, Checkbox, Table, Text } from '@mantine/core';
import { formatHumanName } from '@medplum/core';
import type { Patient, Task } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import {
  BUSINESS_STATUSES,
  PRIORITY_LABELS,
  WORKFLOW_LABELS,
  businessStatusOf,
  dueOf,
  isOverdue,
  labelOf,
  ownerLabel,
  taskPatient,
  taskTitle,
  taskWorkflow,
} from '../../fhir/worklist';

/** What the table shows and reports back. */
export interface TaskTableProps {
  readonly tasks: readonly Task[];
  readonly patients: ReadonlyMap<string, Patient>;
  readonly now: Date;
  readonly me?: string;
  readonly selected: readonly string[];
  readonly onToggle: (id: string) => void;
  readonly onToggleAll: (ids: readonly string[]) => void;
  readonly onOpen: (task: Task) => void;
  readonly activeId?: string;
}

/** The patient's name as the table shows it. */
export function patientName(patient: Patient | undefined, ref: string | undefined): string {
  const name = patient?.name?.[0];
  return name ? formatHumanName(name) : (ref ?? 'Unknown patient');
}

function dueText(due: string | undefined): string {
  if (!due) return 'No due date';
  const d = new Date(due);
  return d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

/** The worklist table with a tick per row for bulk actions. */
export function TaskTable(props: TaskTableProps): JSX.Element {
  const ids = props.tasks.map((t) => t.id ?? '');
  const all = ids.length > 0 && ids.every((id) => props.selected.includes(id));
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped highlightOnHover aria-label="Tasks">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>
              <Checkbox
                aria-label="Select all tasks on this page"
                checked={all}
                indeterminate={!all && props.selected.length > 0}
                onChange={() => props.onToggleAll(all ? [] : ids)}
              />
            </Table.Th>
            <Table.Th>Patient</Table.Th>
            <Table.Th>To do</Table.Th>
            <Table.Th>Workflow</Table.Th>
            <Table.Th>Stage</Table.Th>
            <Table.Th>Owner</Table.Th>
            <Table.Th>Priority</Table.Th>
            <Table.Th>Due</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.tasks.map((task) => {
            const id = task.id ?? '';
            const ref = taskPatient(task);
            const name = patientName(ref ? props.patients.get(ref) : undefined, ref);
            const overdue = isOverdue(task, props.now);
            return (
              <Table.Tr key={id} aria-selected={props.activeId === id} data-task-id={id}>
                <Table.Td>
                  <Checkbox
                    aria-label={`Select ${taskTitle(task)} for ${name}`}
                    checked={props.selected.includes(id)}
                    onChange={() => props.onToggle(id)}
                  />
                </Table.Td>
                <Table.Td>
                  <Anchor component="button" type="button" onClick={() => props.onOpen(task)}>
                    {name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{taskTitle(task)}</Table.Td>
                <Table.Td>{labelOf(WORKFLOW_LABELS, taskWorkflow(task))}</Table.Td>
                <Table.Td>{labelOf(BUSINESS_STATUSES, businessStatusOf(task)) || task.status}</Table.Td>
                <Table.Td>{ownerLabel(task, props.me)}</Table.Td>
                <Table.Td>
                  {task.priority && task.priority !== 'routine' ? (
                    <Badge color="orange" variant="light">
                      {labelOf(PRIORITY_LABELS, task.priority)}
                    </Badge>
                  ) : (
                    labelOf(PRIORITY_LABELS, task.priority ?? 'routine')
                  )}
                </Table.Td>
                <Table.Td>
                  <Text span size="sm">
                    {dueText(dueOf(task))}
                  </Text>{' '}
                  {overdue ? (
                    <Badge color="red" variant="filled" size="sm">
                      Overdue
                    </Badge>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
