/** The patient's appointments as Medplum holds them (mirrors): what plans are about. */
import type { Appointment } from '@medplum/fhirtypes';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useCareloopSession } from '../session/SessionContext';
import { queryKeys } from './queryKeys';

/** Appointment mirrors of Medplum patient `patientId`. */
export function useMedplumAppointments(patientId: string): UseQueryResult<Appointment[]> {
  const { medplum } = useCareloopSession();
  return useQuery({
    queryKey: queryKeys.medplumAppointments(patientId),
    queryFn: () => medplum.searchResources('Appointment', { patient: `Patient/${patientId}`, _count: '100' }),
  });
}
