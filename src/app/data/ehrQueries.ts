/**
 * Reads from the EHR through fhirclient (the launch token): the patient and their appointments. The EHR
 * stays the source of truth for both; Careloop's mirrors may lag a sync behind.
 */
import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import type { EhrClient } from '../session/smartReady';

/** Reads the EHR Patient. */
export function readEhrPatient(ehr: EhrClient, id: string): Promise<Patient> {
  return ehr.request<Patient>(`Patient/${encodeURIComponent(id)}`);
}

/** The patient's appointments in the EHR (one page of up to 100, most recent first). */
export async function searchEhrAppointments(ehr: EhrClient, patientId: string): Promise<Appointment[]> {
  const bundle = await ehr.request<Bundle<Appointment>>(
    `Appointment?patient=${encodeURIComponent(`Patient/${patientId}`)}&_sort=-date&_count=100`,
  );
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Appointment => r?.resourceType === 'Appointment');
}
