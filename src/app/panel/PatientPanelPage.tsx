/**
 * The chart panel: everything Careloop is doing for one patient, readable in a 360 px iframe (one column)
 * and laid out in two columns on a full page. Appointments come from the EHR when launched from a chart;
 * plans, messages, tasks and consents from Medplum.
 */
import { Alert, Anchor, Divider, Loader, SimpleGrid, Stack, Title } from '@mantine/core';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { Link } from 'react-router';
import { resolveTimeZone } from '../../engine';
import { useEhrAppointments, useEhrPatient } from '../data/useEhrAppointments';
import { useEngagement } from '../data/useEngagement';
import { useMedplumAppointments } from '../data/useMedplumAppointments';
import { useMedplumPatient } from '../data/useMedplumPatient';
import { usePractice } from '../data/usePractice';
import { errorText } from '../format/errorText';
import { ProblemScreen } from '../screens/ProblemScreen';
import { isExpired } from '../session/launchProblem';
import { useCareloopSession } from '../session/SessionContext';
import { ConversationThread } from '../thread/ConversationThread';
import { ReplyBox } from '../thread/ReplyBox';
import { AppointmentsSection } from './AppointmentsSection';
import { PatientHeader } from './PatientHeader';
import { patientFacts } from './patientFacts';
import { PlansSection } from './PlansSection';
import { PreferencesSection } from './PreferencesSection';
import { TasksSection } from './TasksSection';

/** Props of PatientPanelPage. */
export interface PatientPanelPageProps {
  /** The Medplum Patient id (undefined when the launch patient has no Medplum record yet). */
  readonly patientId?: string | undefined;
  /** The EHR patient id, when launched from a chart. */
  readonly ehrPatientId?: string | undefined;
}

/** The panel, or the patient-not-found screen. */
export function PatientPanelPage(props: PatientPanelPageProps): JSX.Element {
  const { iss } = useCareloopSession();
  if (!props.patientId) {
    return (
      <ProblemScreen kind="patient-not-found" iss={iss} onRetry={() => window.location.reload()} embedded>
        <Anchor component={Link} to="/worklist">
          Open the worklist
        </Anchor>
      </ProblemScreen>
    );
  }
  return <Panel patientId={props.patientId} ehrPatientId={props.ehrPatientId} />;
}

function InPlaceError(props: { title: string; error: unknown }): JSX.Element {
  const { iss } = useCareloopSession();
  if (isExpired(props.error)) {
    return <ProblemScreen kind="session-expired" iss={iss} detail={errorText(props.error)} embedded />;
  }
  return (
    <Alert color="red" title={props.title} role="alert">
      {errorText(props.error)}
    </Alert>
  );
}

function Panel(props: { patientId: string; ehrPatientId?: string | undefined }): JSX.Element {
  const session = useCareloopSession();
  const now = session.now();
  const patient = useMedplumPatient(props.patientId);
  const ehrPatient = useEhrPatient(props.ehrPatientId);
  const ehrAppointments = useEhrAppointments(props.ehrPatientId);
  const mirrors = useMedplumAppointments(props.patientId);
  const engagement = useEngagement(props.patientId);
  const practice = usePractice(patient.data);

  if (patient.isError) {
    return <InPlaceError title="The patient could not be loaded" error={patient.error} />;
  }
  if (!patient.data) {
    return <Loader size="sm" aria-label="Loading the patient" />;
  }
  const medplumPatient: Patient = patient.data;
  const zone = resolveTimeZone(medplumPatient, practice.data?.timeZone ?? 'UTC').zone;
  const facts =
    practice.data && engagement.data
      ? patientFacts(medplumPatient, practice.data, engagement.data.consents, now)
      : undefined;
  const appointmentsQuery = props.ehrPatientId ? ehrAppointments : mirrors;
  const appointments: Appointment[] = appointmentsQuery.data ?? [];

  return (
    <Stack
      gap="sm"
      data-testid="patient-panel"
      // Marks the panel as showing data (for the launch-to-panel benchmark and end-to-end tests).
      data-loaded={appointmentsQuery.data && engagement.data && practice.data ? 'true' : 'false'}
    >
      <PatientHeader patient={ehrPatient.data ?? medplumPatient} facts={facts} now={now} />
      {practice.isError ? (
        <InPlaceError title="Practice settings could not be loaded" error={practice.error} />
      ) : null}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Stack gap="sm">
          {appointmentsQuery.isError ? (
            <InPlaceError
              title="Appointments could not be loaded from the EHR"
              error={appointmentsQuery.error}
            />
          ) : appointmentsQuery.isPending ? (
            <Loader size="sm" aria-label="Loading appointments" />
          ) : (
            <AppointmentsSection appointments={appointments} zone={zone} now={now} />
          )}
          <Divider />
          {engagement.isError ? (
            <InPlaceError title="Careloop's records could not be loaded" error={engagement.error} />
          ) : engagement.data ? (
            <>
              <PlansSection
                patient={medplumPatient}
                engagement={engagement.data}
                appointments={mirrors.data ?? []}
                zone={zone}
              />
              <Divider />
              <TasksSection tasks={engagement.data.tasks} zone={zone} now={now} />
            </>
          ) : (
            <Loader size="sm" aria-label="Loading plans" />
          )}
        </Stack>
        <Stack gap="sm">
          <Stack gap="xs" component="section" aria-labelledby="conversation-title">
            <Title order={2} size="h5" id="conversation-title">
              Conversation
            </Title>
            <ConversationThread patient={medplumPatient} />
            <ReplyBox patient={medplumPatient} />
          </Stack>
          <Divider />
          <PreferencesSection patient={medplumPatient} />
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
