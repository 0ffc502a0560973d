/**
 * Pause, resume or stop a plan, always with a reason. Errors (a bot changed the plan meanwhile, the
 * server refused) appear in place; the reason typed is kept until the action succeeds.
 */
import { Alert, Button, Group, Stack, TextInput } from '@mantine/core';
import type { CarePlan, Patient } from '@medplum/fhirtypes';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { JSX } from 'react';
import { definitionFor } from '../../fhir/enrolmentState';
import { setPlanPaused, stopPlan } from '../../fhir/app/planActions';
import { queryKeys } from '../data/queryKeys';
import { usePractice } from '../data/usePractice';
import { useWorkflows } from '../data/useWorkflows';
import { errorText } from '../format/errorText';
import { useCareloopSession } from '../session/SessionContext';
import { useDraft } from '../state/draftStore';

type Action = 'pause' | 'resume' | 'stop';

/** The action row of one plan. */
export function PlanActions(props: { plan: CarePlan; patient: Patient }): JSX.Element | null {
  const { plan } = props;
  const patientId = props.patient.id ?? '';
  const session = useCareloopSession();
  const practice = usePractice(props.patient);
  const workflows = useWorkflows();
  const queryClient = useQueryClient();
  const [reason, setReason, clearReason] = useDraft(`plan-reason:${plan.id ?? ''}`);
  const act = useMutation({
    mutationFn: async (action: Action) => {
      const by = session.practitioner;
      if (!reason.trim()) {
        throw new Error('Say why before you pause, resume or stop a plan.');
      }
      if (action === 'stop') {
        const definition = workflows.data ? definitionFor(plan, workflows.data.workflows) : undefined;
        if (!definition || !practice.data) {
          throw new Error(
            'The workflow definition of this plan is not available, so it cannot be stopped here.',
          );
        }
        await stopPlan(session.medplum, plan, {
          definition,
          practice: practice.data,
          reason,
          now: session.now(),
          ...(by ? { by } : {}),
        });
        return;
      }
      await setPlanPaused(session.medplum, plan, action === 'pause', {
        reason,
        now: session.now(),
        ...(by ? { by } : {}),
      });
    },
    onSuccess: async () => {
      clearReason();
      await queryClient.invalidateQueries({ queryKey: queryKeys.engagement(patientId) });
    },
  });
  if (plan.status !== 'active' && plan.status !== 'on-hold') {
    return null;
  }
  const label = `Reason for changing “${plan.title ?? 'this plan'}”`;
  return (
    <Stack gap={4}>
      <TextInput
        size="xs"
        label={label}
        placeholder="e.g. patient asked for a call instead"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <Group gap="xs">
        {plan.status === 'active' ? (
          <Button
            size="xs"
            variant="default"
            onClick={() => act.mutate('pause')}
            loading={act.isPending && act.variables === 'pause'}
          >
            Pause
          </Button>
        ) : (
          <Button
            size="xs"
            variant="default"
            onClick={() => act.mutate('resume')}
            loading={act.isPending && act.variables === 'resume'}
          >
            Resume
          </Button>
        )}
        <Button
          size="xs"
          color="red.8"
          variant="outline"
          onClick={() => act.mutate('stop')}
          loading={act.isPending && act.variables === 'stop'}
        >
          Stop
        </Button>
      </Group>
      {act.isError ? (
        <Alert color="red" role="alert" p="xs">
          {errorText(act.error)}
        </Alert>
      ) : null}
    </Stack>
  );
}
