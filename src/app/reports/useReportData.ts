/** The reports page's server state: MeasureReports and resources for a range of days, via TanStack Query. */

import { useMedplum } from '@medplum/react-hooks';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { loadReportData, type ReportData, type ReportRange } from '../../fhir/reports';

/** Loads the report's data for `range` (cached for five minutes: the roll-up runs once a day). */
export function useReportData(range: ReportRange, enabled = true): UseQueryResult<ReportData> {
  const medplum = useMedplum();
  return useQuery({
    enabled,
    queryKey: ['reports', range.from, range.to, range.zone, range.organization],
    queryFn: () => loadReportData(medplum, range),
    staleTime: 5 * 60_000,
  });
}
