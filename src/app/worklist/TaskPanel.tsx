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
import { useDraft, type Draft } from './useDraft';
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
  const note = useDraft('');
  const callOutcome = useDraft<CallOutcome>('reached');
  const callNote = useDraft('');
  const reason = useDraft('');
  const due = useDraft('');
  const assignee = useDraft('');
  const stage = useDraft(businessStatusOf(props.task) ?? 'new');

  const actor = props.actor;
  const task = base.id === props.task.id && sameOrNewer(props.task, base) ? props.task : base;

  const personOf = (reference: string): Actor => {
    const display = props.people?.find((p) => p.reference === reference)?.display;
    return { reference, ...(display ? { display } : {}) };
  };
  // `typed` is the draft the change used: cleared once it saved, kept for a retry otherwise.
  const run = (label: string, change: (t: Task) => Task, typed?: Draft): void => {
    setError(undefined);
    setSaved(undefined);
    action.mutate(
      { task, change },
      {
        onSuccess: (savedTask) => {
          setBase(savedTask);
          setConflict(undefined);
          typed?.clear();
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
                {...assignee.input}
              />
              <Button
                size="compact-sm"
                variant="light"
                disabled={!assignee.value}
                onClick={() => {
                  const [kind, value = ''] = splitOnce(assignee.value);
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
                    assignee,
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
                {...stage.input}
              />
              <Button
                size="compact-sm"
                variant="light"
                onClick={() => run('stage', (t) => setBusinessStatus(t, stage.value, now()))}
              >
                Set stage
              </Button>
            </Group>
            <Divider label="Call" labelPosition="left" />
            <Group gap="xs" align="flex-end">
              <NativeSelect
                label="Call outcome"
                data={Object.entries(CALL_OUTCOMES).map(([value, d]) => ({ value, label: d.label }))}
                {...callOutcome.input}
              />
              <TextInput label="Call notes" {...callNote.input} />
              <Button
                size="compact-sm"
                onClick={() =>
                  run(
                    'call logged',
                    (t) => logCallOutcome(t, actor, callOutcome.value, callNote.value, now()),
                    callNote,
                  )
                }
              >
                Log call
              </Button>
            </Group>
            <Divider label="Due" labelPosition="left" />
            <Group gap="xs" align="flex-end">
              <TextInput label="Due date" type="date" {...due.input} />
              <Button
                size="compact-sm"
                variant="light"
                disabled={!due.value}
                onClick={() => run('due date', (t) => setDue(t, `${due.value}T17:00:00`, now()), due)}
              >
                Set due date
              </Button>
              {[1, 3].map((days) => (
                <Button
                  key={days}
                  size="compact-sm"
                  variant="subtle"
                  onClick={() => run('snoozed', (t) => snoozeTask(t, actor, days, now()))}
                >
                  {`Snooze ${days} ${days === 1 ? 'day' : 'days'}`}
                </Button>
              ))}
            </Group>
            <Divider label="Note" labelPosition="left" />
            <Textarea label="Note" autosize minRows={2} {...note.input} />
            <Group gap="xs">
              <Button
                size="compact-sm"
                variant="light"
                disabled={!note.value.trim()}
                onClick={() => run('note', (t) => addNote(t, actor, note.value, now()), note)}
              >
                Add note
              </Button>
              <Button
                size="compact-sm"
                color="green"
                onClick={() => run('completed', (t) => completeTask(t, actor, note.value, now()), note)}
              >
                Complete
              </Button>
            </Group>
            <Group gap="xs" align="flex-end">
              <TextInput label="Reason to cancel" {...reason.input} />
              <Button
                size="compact-sm"
                color="red"
                variant="light"
                disabled={!reason.value.trim()}
                onClick={() => run('cancelled', (t) => cancelTask(t, actor, reason.value, now()), reason)}
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
