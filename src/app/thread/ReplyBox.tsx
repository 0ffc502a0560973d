/**
 * A staff reply to the patient. The text goes through the same compliance checks as automated messages:
 * the box says at once whether it would go now, wait for the patient's quiet hours to end, or is refused
 * (opted out, no address, clinical detail in SMS) and why. Sending queues a CommunicationRequest due now;
 * the dispatch bot re-checks and sends it. The draft survives navigation and failed sends.
 */
import { Alert, Button, Group, NativeSelect, Stack, Text, Textarea } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type JSX } from 'react';
import {
  buildTemplateContext,
  chooseTemplate,
  contactAddresses,
  displayPhone,
  patientLanguage,
  renderMessage,
  resolveTimeZone,
  smsSegments,
  SUPPORTED_LANGUAGES,
  type Channel,
} from '../../engine';
import { sentRecords } from '../../fhir/app/conversation';
import { messageToAnswer, queueStaffReply } from '../../fhir/app/staffReply';
import { queryKeys } from '../data/queryKeys';
import { useEngagement } from '../data/useEngagement';
import { usePractice } from '../data/usePractice';
import { errorText } from '../format/errorText';
import { formatInZone } from '../format/formatInZone';
import { useCareloopSession } from '../session/SessionContext';
import { useDraft } from '../state/draftStore';
import { REPLY_TEMPLATES } from './replyTemplates';
import { replyVerdict } from './replyCheck';

/** Props of ReplyBox. */
export interface ReplyBoxProps {
  /** The Medplum Patient to reply to. */
  readonly patient: Patient;
  /** Called after the reply is queued. */
  readonly onQueued?: () => void;
}

const CHANNEL_LABELS: Record<Channel, string> = { sms: 'SMS', voice: 'Voice call', email: 'Email' };

/** The reply box with templates and the live compliance verdict. */
export function ReplyBox(props: ReplyBoxProps): JSX.Element {
  const { patient } = props;
  const patientId = patient.id ?? '';
  const session = useCareloopSession();
  const practice = usePractice(patient);
  const engagement = useEngagement(patientId);
  const queryClient = useQueryClient();
  const [text, setText, clearText] = useDraft(`reply:${patientId}`);
  const now = session.now();
  const channels = useMemo(() => {
    const seen = contactAddresses(patient, now.toISOString())
      .sort((a, b) => a.rank - b.rank)
      .map((a) => a.channel);
    return [...new Set(seen)];
    // The address list only changes with the patient.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [patient]);
  const inResponseTo = engagement.data ? messageToAnswer(engagement.data.communications, now) : undefined;
  const [chosen, setChosen] = useState<Channel | undefined>(undefined);
  const channel = chosen ?? channels[0];
  const [templateError, setTemplateError] = useState<string | undefined>(undefined);
  // One key per reply: a retry after a network error cannot queue the same reply twice.
  const key = useRef(crypto.randomUUID());

  const send = useMutation({
    mutationFn: () => {
      if (!practice.data || !channel) {
        throw new Error('Not ready to send yet');
      }
      return queueStaffReply(session.medplum, {
        patient,
        channel,
        text,
        practice: practice.data,
        now: session.now(),
        key: key.current,
        ...(session.practitioner ? { by: session.practitioner } : {}),
        ...(inResponseTo ? { inResponseTo } : {}),
      });
    },
    onSuccess: async () => {
      clearText();
      key.current = crypto.randomUUID();
      await queryClient.invalidateQueries({ queryKey: queryKeys.engagement(patientId) });
      props.onQueued?.();
    },
  });

  if (practice.isError) {
    return (
      <Alert color="red" title="Replies are unavailable">
        {errorText(practice.error)}
      </Alert>
    );
  }
  if (!channel) {
    return (
      <Alert color="yellow" title="No way to reply">
        The patient has no mobile number, phone number or email address Careloop can use.
      </Alert>
    );
  }
  const verdict =
    practice.data && engagement.data
      ? replyVerdict({
          patient,
          channel,
          text,
          practice: practice.data,
          consents: engagement.data.consents,
          sent: sentRecords(engagement.data.requests, now),
          now,
          ...(inResponseTo ? { inResponseTo } : {}),
        })
      : undefined;
  const zone = resolveTimeZone(patient, practice.data?.timeZone ?? 'UTC').zone;

  function applyTemplate(id: string): void {
    const template = REPLY_TEMPLATES.find((t) => t.id === id);
    if (!template || !practice.data || !channel) {
      return;
    }
    const language = patientLanguage(patient, SUPPORTED_LANGUAGES, practice.data.defaultLanguage);
    const chosenTemplate = chooseTemplate(
      template.templates,
      language,
      channel,
      practice.data.defaultLanguage,
    );
    if (!chosenTemplate) {
      setTemplateError(`No "${template.label}" text in ${language}`);
      return;
    }
    try {
      const context = buildTemplateContext({ patient, practice: practice.data, timeZone: zone, language });
      setText(renderMessage(chosenTemplate, channel, context).text);
      setTemplateError(undefined);
    } catch (err) {
      setTemplateError(errorText(err));
    }
  }

  const segments = channel === 'sms' && text ? smsSegments(text).segments : 0;
  const blocked = verdict?.kind === 'blocked' || verdict?.kind === 'empty' || !verdict;
  return (
    <Stack
      gap="xs"
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!blocked) send.mutate();
      }}
    >
      <Group gap="xs" grow wrap="wrap">
        <NativeSelect
          label="Send by"
          size="xs"
          value={channel}
          onChange={(e) => setChosen(e.currentTarget.value as Channel)}
          data={channels.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
        />
        <NativeSelect
          label="Start from a template"
          size="xs"
          value=""
          onChange={(e) => applyTemplate(e.currentTarget.value)}
          data={[
            { value: '', label: 'Choose…' },
            ...REPLY_TEMPLATES.map((t) => ({ value: t.id, label: t.label })),
          ]}
        />
      </Group>
      {templateError ? (
        <Text size="xs" c="red.8" role="alert">
          {templateError}
        </Text>
      ) : null}
      <Textarea
        label="Reply to the patient"
        autosize
        minRows={2}
        maxRows={6}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        description={
          segments
            ? `${text.length} characters, ${segments} SMS segment${segments === 1 ? '' : 's'}`
            : undefined
        }
      />
      {verdict ? <Verdict verdict={verdict} zone={zone} /> : null}
      {send.isError ? (
        <Alert color="red" title="The reply was not queued" role="alert">
          {errorText(send.error)} Your text is kept; try again.
        </Alert>
      ) : null}
      {send.isSuccess && !text ? (
        <Text size="xs" c="teal.9" role="status">
          Queued: Careloop sends it within a minute, after checking again.
        </Text>
      ) : null}
      <Group justify="flex-end">
        <Button type="submit" size="xs" disabled={blocked} loading={send.isPending}>
          Send reply
        </Button>
      </Group>
    </Stack>
  );
}

function Verdict(props: { verdict: ReturnType<typeof replyVerdict>; zone: string }): JSX.Element | null {
  const v = props.verdict;
  switch (v.kind) {
    case 'empty':
      return null;
    case 'now':
      return (
        <Text size="xs" c="teal.9" role="status">
          Goes out now to {v.to.includes('@') ? v.to : displayPhone(v.to)}.
        </Text>
      );
    case 'later':
      return (
        <Text size="xs" c="yellow.9" role="status">
          Will wait until {formatInZone(v.until, props.zone)}: {v.reason}.
        </Text>
      );
    case 'blocked':
      return (
        <Text size="xs" c="red.8" role="alert">
          Cannot send: {v.reason}.
        </Text>
      );
  }
}
