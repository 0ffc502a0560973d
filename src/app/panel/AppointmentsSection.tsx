/** The patient's appointments from the EHR: upcoming and recent, with status and confirmation. */
import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import type { Appointment } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { formatInZone } from '../format/formatInZone';
import { confirmationOf, splitAppointments } from './appointmentFacts';

/** Props of AppointmentsSection. */
export interface AppointmentsSectionProps {
  readonly appointments: readonly Appointment[];
  readonly zone: string;
  readonly now: Date;
}

function Row(props: { appointment: Appointment; zone: string }): JSX.Element {
  const a = props.appointment;
  const confirmation = confirmationOf(a);
  return (
    <Stack component="li" gap={2} data-appointment={a.id}>
      <Text size="sm" fw={600}>
        {formatInZone(a.start, props.zone)}
      </Text>
      <Text size="xs">
        {a.description ?? a.serviceType?.[0]?.text ?? a.appointmentType?.text ?? 'Appointment'}
      </Text>
      <Group gap={4}>
        <Badge size="xs" variant="light" color="gray">
          {a.status}
        </Badge>
        <Badge size="xs" variant="light" color={confirmation.confirmed ? 'teal' : 'yellow'}>
          {confirmation.label}
        </Badge>
      </Group>
    </Stack>
  );
}

/** Upcoming and recent appointments. */
export function AppointmentsSection(props: AppointmentsSectionProps): JSX.Element {
  const { upcoming, recent } = splitAppointments(props.appointments, props.now);
  const list = (items: Appointment[], empty: string): JSX.Element =>
    items.length === 0 ? (
      <Text size="sm" c="gray.7">
        {empty}
      </Text>
    ) : (
      <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: 'none' }}>
        {items.map((a) => (
          <Row key={a.id} appointment={a} zone={props.zone} />
        ))}
      </Stack>
    );
  return (
    <Stack gap="xs" component="section" aria-labelledby="appointments-title">
      <Title order={2} size="h5" id="appointments-title">
        Appointments
      </Title>
      <Text size="xs" fw={700} c="gray.8">
        Upcoming
      </Text>
      {list(upcoming, 'No upcoming appointments.')}
      <Text size="xs" fw={700} c="gray.8">
        Recent
      </Text>
      {list(recent, 'No appointments in the last 90 days.')}
    </Stack>
  );
}
