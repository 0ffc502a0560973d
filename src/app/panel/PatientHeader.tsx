/** The panel header: who the patient is, their language and zone, and each channel with its consent. */
import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import { formatHumanName } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { displayPhone } from '../../engine';
import { ageAt } from '../format/formatInZone';
import type { PatientFacts } from './patientFacts';

const CHANNEL_LABELS = { sms: 'SMS', voice: 'Voice', email: 'Email' } as const;

/** Props of PatientHeader. */
export interface PatientHeaderProps {
  /** The patient as shown (the EHR's record when launched from a chart, else Medplum's). */
  readonly patient: Patient;
  readonly facts?: PatientFacts;
  readonly now: Date;
}

/** Name, age, language, zone and channels. */
export function PatientHeader(props: PatientHeaderProps): JSX.Element {
  const { patient, facts } = props;
  const name = patient.name?.[0] ? formatHumanName(patient.name[0]) : 'Unnamed patient';
  const age = ageAt(patient.birthDate, props.now);
  return (
    <Stack gap={4} component="section" aria-label="Patient">
      <Title order={1} size="h3">
        {name}
      </Title>
      <Text size="sm">
        {age !== undefined ? `${age} years` : 'Age unknown'}
        {facts
          ? ` · Language: ${facts.language}${facts.statedLanguage ? ` (record says ${facts.statedLanguage})` : ''}`
          : ''}
      </Text>
      {facts ? (
        <>
          <Text size="sm">
            Time zone: {facts.zone}
            {facts.zoneNote ? (
              <Text span size="xs" c="yellow.9">
                {' '}
                ({facts.zoneNote})
              </Text>
            ) : null}
          </Text>
          <Group gap={6} wrap="wrap" aria-label="Channels">
            {facts.channels.length === 0 ? (
              <Text size="sm" c="red.8">
                No usable phone or email on file
              </Text>
            ) : (
              facts.channels.map((c) => (
                <Badge
                  key={c.channel}
                  variant={c.allowed ? 'light' : 'outline'}
                  color={c.allowed ? 'teal' : 'red'}
                  title={c.reason ?? `${CHANNEL_LABELS[c.channel]} allowed`}
                  style={{ textTransform: 'none' }}
                >
                  {`${CHANNEL_LABELS[c.channel]} ${c.channel === 'email' ? c.address : displayPhone(c.address)}${c.preferred ? ' · preferred' : ''} · ${c.allowed ? 'allowed' : 'opted out'}`}
                </Badge>
              ))
            )}
          </Group>
        </>
      ) : null}
    </Stack>
  );
}
