/**
 * Everything a coordinator does to one task: claim, assign, stage, note, due date or snooze, call outcome,
 * complete, cancel with a reason. Each action applies a pure change (src/fhir/worklist/taskActions.ts) to
 * the version shown and saves it with If-Match. Typed text is cleared only after its own save succeeds,
 * so a conflict or an error loses nothing.
 */

import {
  Alert,
  Button,
  Divider,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { normalizeErrorString } from '@medplum/core';
import type { Task } from '@medplum/fhirtypes';
import { useState, type JSX } from 'react';
import { Link } from 'react-router';
import {
  BUSINESS_STATUSES,
  CALL_OUTCOMES,
  QUEUE_LABELS,
  TaskConflictError,
  addNote,
  assignTask,
  businessStatusOf,
  cancelTask,
  claimTask,
  completeTask,
  dueOf,
  logCallOutcome,
  setBusinessStatus,
  setDue,
  snoozeTask,
  taskPatient,
  taskTitle,
  type Actor,
  type CallOutcome,
  ownerLabel,
} from '../../fhir/worklist';
import { ConflictAlert } from './ConflictAlert';
import { useTaskAction } from './useTaskAction';

/** The task and who is acting. */
export interface TaskPanelProps {
  readonly task: Task;
  readonly actor?: Actor;
  readonly patientName: string;
  /** Queue code → the CareTeam that owns it, for handing the task back. */
  readonly queueOwners: Readonly<Record<string, string>>;
  /** Colleagues the task can be given to. */
  readonly people?: readonly { readonly reference: string; readonly display?: string }[];
  /** The clock, so tests can fix it. */
  readonly now: () => Date;
  /** Called with the saved task after each successful action. */
  readonly onSaved?: (task: Task) => void;
  /** Hide the "Open conversation" link (on the conversation page itself). */
  readonly hideConversationLink?: boolean;
}

/** The action panel for one task. */
export function TaskPanel(props: TaskPanelProps): JSX.Element {
  const action = useTaskAction();
  // The version actions apply to: the row as shown, or the other person's after "load their version".
  const [base, setBase] = useState<Task>(props.task);
  const [conflict, setConflict] = useState<Task | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [note, setNote] = useState('');
  const [callOutcome, setCallOutcome] = useState<CallOutcome>('reached');
  const [callNote, setCallNote] = useState('');
  const [reason, setReason] = useState('');
  const [due, setDueInput] = useState('');
  const [assignee, setAssignee] = useState('');
  const [stage, setStage] = useState(businessStatusOf(props.task) ?? 'new');

  const actor = props.actor;
  const task = base.id === props.task.id && sameOrNewer(props.task, base) ? props.task : base;

  const personOf = (reference: string): Actor => {
    const display = props.people?.find((p) => p.reference === reference)?.display;
    return { reference, ...(display ? { display } : {}) };
  };
  const run = (label: string, change: (t: Task) => Task, clear?: () => void): void => {
    setError(undefined);
    setSaved(undefined);
    action.mutate(
      { task, change },
      {
        onSuccess: (savedTask) => {
          setBase(savedTask);
          setConflict(undefined);
          clear?.();
          setSaved(label);
          props.onSaved?.(savedTask);
        },
        onError: (err) => {
          if (err instanceof TaskConflictError) {
            setConflict(err.current);
          } else {
            setError(normalizeErrorString(err));
          }
        },
      },
    );
  };
  const now = (): string => props.now().toISOString();
  const closed = ['completed', 'cancelled'].includes(task.status);
  const patientRef = taskPatient(task);

  if (!actor) {
    return <Alert color="yellow">Sign in as a practitioner to work on tasks.</Alert>;
  }
  return (
    <Paper withBorder p="sm" component="section" aria-label={`Task: ${taskTitle(task)}`}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h4">
            {taskTitle(task)} — {props.patientName}
          </Title>
          {patientRef && !props.hideConversationLink ? (
            <Button
              component={Link}
              to={`/conversations/${patientRef.slice('Patient/'.length)}`}
              variant="subtle"
              size="compact-sm"
            >
              Open conversation
            </Button>
          ) : null}
        </Group>
        {task.description ? <Text size="sm">{task.description}</Text> : null}
        <Text size="sm" c="dimmed">
          {task.status}
          {dueOf(task) ? ` · due ${new Date(dueOf(task) ?? '').toLocaleString('en-US')}` : ''}
          {` · owner: ${ownerLabel(task, undefined)}`}
        </Text>
        {conflict ? (
          <ConflictAlert
            current={conflict}
            onUseTheirs={() => {
              setBase(conflict);
              setConflict(undefined);
            }}
          />
        ) : null}
        {error ? (
          <Alert color="red" title="Not saved" role="alert">
            {error}
          </Alert>
        ) : null}
        {saved ? (
          <Text size="sm" c="green" role="status">
            Saved: {saved}
          </Text>
        ) : null}
        {closed ? (
          <Text size="sm">This task is {task.status}.</Text>
        ) : (
          <>
            <Group gap="xs">
              {task.owner?.reference !== actor.reference ? (
                <Button
                  size="compact-sm"
                  loading={action.isPending}
                  onClick={() => run('claimed', (t) => claimTask(t, actor, now()))}
                >
                  Claim
                </Button>
              ) : null}
              <NativeSelect
                aria-label="Assign to"
                data={[
                  { value: '', label: 'Assign to…' },
                  { value: `person:${actor.reference}`, label: 'Me' },
                  ...(props.people ?? [])
                    .filter((p) => p.reference !== actor.reference)
                    .map((p) => ({ value: `person:${p.reference}`, label: p.display ?? p.reference })),
                  ...Object.entries(QUEUE_LABELS).map(([code, label]) => ({
                    value: `queue:${code}`,
                    label: `Queue: ${label}`,
                  })),
                ]}
                value={assignee}
                onChange={(e) => setAssignee(e.currentTarget.value)}
              />
              <Button
                size="compact-sm"
                variant="light"
                disabled={!assignee}
                onClick={() => {
                  const [kind, value = ''] = splitOnce(assignee);
                  const owner = props.queueOwners[value];
                  run(
                    'assigned',
                    (t) =>
                      assignTask(
                        t,
                        kind === 'person'
                          ? { person: value === actor.reference ? actor : personOf(value) }
                          : { queue: value, ...(owner ? { owner } : {}) },
                        now(),
                      ),
                    () => setAssignee(''),
                  );
                }}
              >
                Assign
              </Button>
            </Group>
            <Group gap="xs" align="flex-end">
              <NativeSelect
                label="Stage"
                data={Object.entries(BUSINESS_STATUSES).map(([value, label]) => ({ value, label }))}
                value={stage}
                onChange={(e) => setStage(e.currentTarget.value)}
              />
              <Button
                size="compact-sm"
                variant="light"
                onClick={() => run('stage', (t) => setBusinessStatus(t, stage, now()))}
              >
                Set stage
              </Button>
            </Group>
            <Divider label="Call" labelPosition="left" />
            <Group gap="xs" align="flex-end">
              <NativeSelect
                label="Call outcome"
                data={Object.entries(CALL_OUTCOMES).map(([value, d]) => ({ value, label: d.label }))}
                value={callOutcome}
                onChange={(e) => setCallOutcome(e.currentTarget.value as CallOutcome)}
              />
              <TextInput
                label="Call notes"
                value={callNote}
                onChange={(e) => setCallNote(e.currentTarget.value)}
              />
              <Button
                size="compact-sm"
                onClick={() =>
                  run(
                    'call logged',
                    (t) => logCallOutcome(t, actor, callOutcome, callNote, now()),
                    () => setCallNote(''),
                  )
                }
              >
                Log call
              </Button>
            </Group>
            <Divider label="Due" labelPosition="left" />
            <Group gap="xs" align="flex-end">
              <TextInput
                label="Due date"
                type="date"
                value={due}
                onChange={(e) => setDueInput(e.currentTarget.value)}
              />
              <Button
                size="compact-sm"
                variant="light"
                disabled={!due}
                onClick={() =>
                  run(
                    'due date',
                    (t) => setDue(t, `${due}T17:00:00`, now()),
                    () => setDueInput(''),
                  )
                }
              >
                Set due date
              </Button>
              <Button
                size="compact-sm"
                variant="subtle"
                onClick={() => run('snoozed', (t) => snoozeTask(t, actor, 1, now()))}
              >
                Snooze 1 day
              </Button>
              <Button
                size="compact-sm"
                variant="subtle"
                onClick={() => run('snoozed', (t) => snoozeTask(t, actor, 3, now()))}
              >
                Snooze 3 days
              </Button>
            </Group>
            <Divider label="Note" labelPosition="left" />
            <Textarea
              label="Note"
              autosize
              minRows={2}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
            <Group gap="xs">
              <Button
                size="compact-sm"
                variant="light"
                disabled={!note.trim()}
                onClick={() =>
                  run(
                    'note',
                    (t) => addNote(t, actor, note, now()),
                    () => setNote(''),
                  )
                }
              >
                Add note
              </Button>
              <Button
                size="compact-sm"
                color="green"
                onClick={() =>
                  run(
                    'completed',
                    (t) => completeTask(t, actor, note, now()),
                    () => setNote(''),
                  )
                }
              >
                Complete
              </Button>
            </Group>
            <Group gap="xs" align="flex-end">
              <TextInput
                label="Reason to cancel"
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
              />
              <Button
                size="compact-sm"
                color="red"
                variant="light"
                disabled={!reason.trim()}
                onClick={() =>
                  run(
                    'cancelled',
                    (t) => cancelTask(t, actor, reason, now()),
                    () => setReason(''),
                  )
                }
              >
                Cancel task
              </Button>
            </Group>
          </>
        )}
        {(task.note ?? []).length > 0 ? (
          <Stack gap={2} component="ul" aria-label="History" style={{ paddingLeft: 16 }}>
            {(task.note ?? []).map((n, i) => (
              <Text key={`${n.time ?? ''}-${i}`} size="xs" component="li">
                {n.time ? `${new Date(n.time).toLocaleString('en-US')}: ` : ''}
                {n.text}
              </Text>
            ))}
          </Stack>
        ) : null}
      </Stack>
    </Paper>
  );
}

function splitOnce(value: string): [string, string] {
  const i = value.indexOf(':');
  return [value.slice(0, i), value.slice(i + 1)];
}

// The page's copy of the task wins once it is at least as new as the one the panel holds.
function sameOrNewer(a: Task, b: Task): boolean {
  return (a.meta?.lastUpdated ?? '') >= (b.meta?.lastUpdated ?? '');
}
