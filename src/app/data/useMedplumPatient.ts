/** The Medplum Patient (mirror): telecom, language, zone and the id Careloop's records point at. */
import type { Patient } from '@medplum/fhirtypes';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useCareloopSession } from '../session/SessionContext';
import { queryKeys } from './queryKeys';

/** Reads Medplum Patient `patientId`; starts from the launch patient when it is the same one. */
export function useMedplumPatient(patientId: string): UseQueryResult<Patient> {
  const { medplum, patient } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.medplumPatient(patientId),
    queryFn: () => medplum.readResource('Patient', patientId),
    ...(patient?.id === patientId ? { initialData: patient, initialDataUpdatedAt: 0 } : {}),
  });
}
