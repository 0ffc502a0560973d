/** The launch patient's EHR record and appointments, through the SMART connection. */
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useCareloopSession } from '../session/SessionContext';
import { readEhrPatient, searchEhrAppointments } from './ehrQueries';
import { queryKeys } from './queryKeys';

/** The EHR Patient `ehrPatientId` (disabled when there is none). */
export function useEhrPatient(ehrPatientId: string | undefined): UseQueryResult<Patient> {
  const { ehr } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.ehrPatient(ehrPatientId ?? ''),
    queryFn: () => readEhrPatient(ehr, ehrPatientId ?? ''),
    enabled: Boolean(ehrPatientId),
  });
}

/** The EHR appointments of `ehrPatientId`, refreshed every 15 s (a confirmation is written back by a bot). */
export function useEhrAppointments(ehrPatientId: string | undefined): UseQueryResult<Appointment[]> {
  const { ehr } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.ehrAppointments(ehrPatientId ?? ''),
    queryFn: () => searchEhrAppointments(ehr, ehrPatientId ?? ''),
    enabled: Boolean(ehrPatientId),
    refetchInterval: 15_000,
  });
}
