/**
 * What planning needs to know about a patient beyond the Patient itself: consents, recent and scheduled
 * outbound messages (for caps), and whether this is their first visit. Three searches, whatever the
 * number of workflows planned afterwards.
 */

import type { MedplumClient } from '@medplum/core';
import type { Appointment, CommunicationRequest, Consent, Location, Patient } from '@medplum/fhirtypes';
import { CS, isCommunicationConsent, type OutboundRecord } from '../engine';

/** The patient's planning context. */
export interface PatientContext {
  readonly patient: Patient;
  readonly consents: Consent[];
  readonly history: OutboundRecord[];
}

const WEEK_MS = 7 * 86_400_000;

function purposeOf(resource: { category?: { coding?: { system?: string; code?: string }[] }[] }): string {
  return (
    resource.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown'
  );
}

/** Loads the patient with consents and the outbound messages of the 7 days either side of `now`. */
export async function loadPatientContext(
  medplum: MedplumClient,
  patientId: string,
  now: Date,
): Promise<PatientContext> {
  const from = new Date(now.getTime() - WEEK_MS).toISOString();
  const [patient, consents, requests] = await Promise.all([
    medplum.readResource('Patient', patientId),
    medplum.searchResources('Consent', { patient: `Patient/${patientId}`, status: 'active', _count: '100' }),
    // Sent and still-scheduled requests both count against caps; revoked ones never went out.
    medplum.searchResources('CommunicationRequest', {
      subject: `Patient/${patientId}`,
      status: 'active,completed',
      occurrence: `ge${from}`,
      _count: '200',
    }),
  ]);
  return {
    patient,
    consents: consents.filter(isCommunicationConsent),
    history: requests.filter((r) => r.occurrenceDateTime).map((r) => toRecord(r)),
  };
}

function toRecord(r: CommunicationRequest): OutboundRecord {
  return { at: r.occurrenceDateTime ?? '', purpose: purposeOf(r) };
}

/** True when the patient has no fulfilled appointment before this one. */
export async function isNewPatient(
  medplum: MedplumClient,
  patientId: string,
  appointment: Appointment,
): Promise<boolean> {
  const earlier = await medplum.searchResources('Appointment', {
    patient: `Patient/${patientId}`,
    status: 'fulfilled',
    ...(appointment.start ? { date: `lt${appointment.start}` } : {}),
    _count: '1',
  });
  return earlier.filter((a) => a.id !== appointment.id).length === 0;
}

/** The appointment's Location, if it names one and it can be read. */
export async function appointmentLocation(
  medplum: MedplumClient,
  appointment: Appointment,
): Promise<Location | undefined> {
  const ref = appointment.participant?.map((p) => p.actor?.reference).find((r) => r?.startsWith('Location/'));
  if (!ref) {
    return undefined;
  }
  try {
    return await medplum.readResource('Location', ref.slice('Location/'.length));
  } catch {
    // A missing Location only costs the message its address; the practice's is used instead.
    return undefined;
  }
}

/** The Patient reference among an appointment's participants, if any. */
export function appointmentPatientId(appointment: Appointment): string | undefined {
  const ref = appointment.participant?.map((p) => p.actor?.reference).find((r) => r?.startsWith('Patient/'));
  return ref?.slice('Patient/'.length) || undefined;
}
