/**
 * Enrol the patient by hand: only workflows that apply now are offered; choosing one shows the preview of
 * every message (rendered, timed in the patient's zone, with the reason for any shift); confirming writes
 * the plan with the same transaction the bots write.
 */
import { Alert, Button, Group, Loader, Radio, Stack, Text } from '@mantine/core';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type JSX } from 'react';
import { ID_SYSTEM } from '../../engine';
import type { Engagement } from '../../fhir/app/engagement';
import { confirmEnrolment, enrolmentOptions, type EnrolmentOption } from '../../fhir/app/enrolment';
import { queryKeys } from '../data/queryKeys';
import { usePractice } from '../data/usePractice';
import { useWorkflows } from '../data/useWorkflows';
import { errorText } from '../format/errorText';
import { formatInZone } from '../format/formatInZone';
import { useCareloopSession } from '../session/SessionContext';
import { EnrolPreview } from './EnrolPreview';

/** Props of EnrolSection. */
export interface EnrolSectionProps {
  readonly patient: Patient;
  /** The patient's appointments in Medplum (what a plan is about). */
  readonly appointments: readonly Appointment[];
  readonly engagement: Engagement;
}

function optionId(o: EnrolmentOption): string {
  return o.plan.key;
}

function optionLabel(o: EnrolmentOption, zone: string): string {
  return o.appointment
    ? `${o.definition.title} — appointment ${formatInZone(o.appointment.start, zone)}`
    : o.definition.title;
}

/** The enrol button, options, preview and confirm. */
export function EnrolSection(props: EnrolSectionProps): JSX.Element {
  const session = useCareloopSession();
  const practice = usePractice(props.patient);
  const workflows = useWorkflows();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const patientId = props.patient.id ?? '';
  const existingKeys = new Set(
    props.engagement.carePlans.flatMap((p) =>
      (p.identifier ?? []).filter((i) => i.system === ID_SYSTEM.enrolment).map((i) => i.value ?? ''),
    ),
  );
  const options = useQuery({
    queryKey: [
      'enrolment-options',
      patientId,
      props.appointments.map((a) => `${a.id}@${a.start}`).join(','),
      [...existingKeys].join(','),
    ],
    enabled: open && Boolean(practice.data && workflows.data),
    queryFn: () => {
      if (!practice.data) {
        throw new Error('Practice settings are not loaded');
      }
      return enrolmentOptions(session.medplum, {
        patientId,
        workflows: workflows.data?.workflows ?? [],
        appointments: props.appointments,
        practice: practice.data,
        now: session.now(),
        existingKeys,
        ...(session.practitioner ? { enrolledBy: session.practitioner } : {}),
      });
    },
    staleTime: 30_000,
  });
  const confirm = useMutation({
    mutationFn: (option: EnrolmentOption) => {
      if (!option.plan.applicable) {
        throw new Error('This workflow does not apply');
      }
      return confirmEnrolment(session.medplum, option.plan);
    },
    onSuccess: async () => {
      setOpen(false);
      setSelected(null);
      await queryClient.invalidateQueries({ queryKey: queryKeys.engagement(patientId) });
    },
  });

  if (!open) {
    return (
      <Group>
        <Button size="xs" onClick={() => setOpen(true)}>
          Enrol in a workflow
        </Button>
        {confirm.isSuccess ? (
          <Text size="xs" c="teal.9" role="status">
            Enrolled.
          </Text>
        ) : null}
      </Group>
    );
  }
  const setupError = practice.error ?? workflows.error ?? options.error;
  const choice = options.data?.find((o) => optionId(o) === selected);
  const zone = options.data?.[0]?.plan.applicable
    ? options.data[0].plan.timeZone
    : (practice.data?.timeZone ?? 'UTC');
  return (
    <Stack
      gap="xs"
      p="xs"
      style={{ border: '1px solid var(--mantine-color-teal-3)', borderRadius: 8 }}
      aria-label="Enrol"
    >
      {setupError ? (
        <Alert color="red" title="Workflows could not be loaded" role="alert">
          {errorText(setupError)}
        </Alert>
      ) : null}
      {options.isPending && !setupError ? (
        <Loader size="sm" aria-label="Finding workflows that apply" />
      ) : null}
      {options.data && options.data.length === 0 ? (
        <Text size="sm">No workflow applies to this patient now.</Text>
      ) : null}
      {options.data && options.data.length > 0 ? (
        <Radio.Group label="Workflows that apply" value={selected} onChange={setSelected}>
          <Stack gap={4} mt={4}>
            {options.data.map((o) => (
              <Radio
                key={optionId(o)}
                value={optionId(o)}
                disabled={o.alreadyEnrolled}
                label={`${optionLabel(o, zone)}${o.alreadyEnrolled ? ' (already enrolled)' : ''}`}
              />
            ))}
          </Stack>
        </Radio.Group>
      ) : null}
      {choice?.plan.applicable ? <EnrolPreview plan={choice.plan} /> : null}
      {confirm.isError ? (
        <Alert color="red" title="The enrolment was not saved" role="alert">
          {errorText(confirm.error)} Nothing was lost; try again.
        </Alert>
      ) : null}
      <Group gap="xs">
        <Button
          size="xs"
          disabled={!choice || choice.alreadyEnrolled}
          loading={confirm.isPending}
          onClick={() => choice && confirm.mutate(choice)}
        >
          Confirm enrolment
        </Button>
        <Button size="xs" variant="default" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}
