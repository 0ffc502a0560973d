/**
 * Recording what the patient told staff about messaging: opt out of a channel, opt back in, or make a
 * channel preferred. Opt-outs and opt-ins are Consents with their source (the staff member) and the
 * reason in the patient's words; a preference reorders the patient's contact points.
 */
import { Alert, Button, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type JSX } from 'react';
import type { Channel } from '../../engine';
import { recordConsent, setPreferredChannel } from '../../fhir/app/consentChange';
import { queryKeys } from '../data/queryKeys';
import { errorText } from '../format/errorText';
import { useCareloopSession } from '../session/SessionContext';
import { useDraft } from '../state/draftStore';

type Change = 'opt-out' | 'opt-in' | 'prefer';

const CHANGE_LABELS: Record<Change, string> = {
  'opt-out': 'Opt out of',
  'opt-in': 'Opt back in to',
  prefer: 'Make preferred:',
};

/** The preferences form. */
export function PreferencesSection(props: { patient: Patient }): JSX.Element {
  const { patient } = props;
  const patientId = patient.id ?? '';
  const session = useCareloopSession();
  const queryClient = useQueryClient();
  const [change, setChange] = useState<Change>('opt-out');
  const [channel, setChannel] = useState<Channel>('sms');
  const [reason, setReason, clearReason] = useDraft(`consent-reason:${patientId}`);
  const save = useMutation({
    mutationFn: async () => {
      const now = session.now();
      if (change === 'prefer') {
        await setPreferredChannel(session.medplum, patient, channel, now);
        return;
      }
      await recordConsent(session.medplum, {
        patient,
        channel,
        decision: change === 'opt-out' ? 'deny' : 'permit',
        reason,
        ...(session.practitioner ? { source: session.practitioner } : {}),
        now,
      });
    },
    onSuccess: async () => {
      clearReason();
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.engagement(patientId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.medplumPatient(patientId) }),
      ]);
    },
  });
  return (
    <Stack gap="xs" component="section" aria-labelledby="prefs-title">
      <Title order={2} size="h5" id="prefs-title">
        Messaging preferences
      </Title>
      <Group gap="xs" grow wrap="wrap">
        <NativeSelect
          size="xs"
          label="Change"
          value={change}
          onChange={(e) => setChange(e.currentTarget.value as Change)}
          data={(Object.keys(CHANGE_LABELS) as Change[]).map((c) => ({ value: c, label: CHANGE_LABELS[c] }))}
        />
        <NativeSelect
          size="xs"
          label="Channel"
          value={channel}
          onChange={(e) => setChannel(e.currentTarget.value as Channel)}
          data={[
            { value: 'sms', label: 'SMS' },
            { value: 'voice', label: 'Voice calls' },
            { value: 'email', label: 'Email' },
          ]}
        />
      </Group>
      {change !== 'prefer' ? (
        <TextInput
          size="xs"
          label="How the patient told you"
          placeholder="e.g. asked by phone to stop texts"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
      ) : null}
      <Group>
        <Button size="xs" variant="default" onClick={() => save.mutate()} loading={save.isPending}>
          Save preference
        </Button>
        {save.isSuccess ? (
          <Text size="xs" c="teal.9" role="status">
            Saved.
          </Text>
        ) : null}
      </Group>
      {save.isError ? (
        <Alert color="red" role="alert" p="xs">
          {errorText(save.error)}
        </Alert>
      ) : null}
    </Stack>
  );
}
