/** The practice's settings (quiet hours, caps, zone) for a patient, loaded once per practice. */
import type { Patient } from '@medplum/fhirtypes';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { PracticeSettings } from '../../engine';
import { findPracticeSettings } from '../../fhir/app/practiceLookup';
import { useCareloopSession } from '../session/SessionContext';
import { queryKeys } from './queryKeys';

/**
 * The practice serving `patient`: its managing Organization when it names one (a project may hold several
 * practices), else the Organization configured in launch-context.json, else the one carrying Careloop
 * practice settings.
 */
export function usePractice(patient?: Patient): UseQueryResult<PracticeSettings> {
  const { medplum, config } = useCareloopSession();
  const managing = patient?.managingOrganization?.reference;
  const organization = managing?.startsWith('Organization/') ? managing : config.medplum.organization;
  return useQuery({
    queryKey: [...queryKeys.practice, organization ?? 'default'],
    queryFn: () => findPracticeSettings(medplum, organization),
    staleTime: 10 * 60_000,
  });
}
