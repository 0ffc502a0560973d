/** A table of rates: one row per workflow, channel, cohort or week; one column per measure. */

import { Badge, Table } from '@mantine/core';
import type { JSX } from 'react';
import { KPI_MEASURES, type KpiMeasure } from '../../fhir/kpi/measures';
import type { Rate } from '../../fhir/reports';
import { MEASURE_LABELS, rateText } from './format';

/** What the table shows. */
export interface RatesTableProps {
  readonly caption: string;
  /** Row heading, e.g. "Workflow". */
  readonly rowLabel: string;
  readonly rates: ReadonlyMap<string, ReadonlyMap<KpiMeasure, Rate>>;
  readonly nameOf?: (key: string) => string;
  /** Rows to highlight (e.g. the weakest workflows), key → the measure that makes them weak. */
  readonly highlight?: ReadonlyMap<string, KpiMeasure>;
  /** Measures to show (default: those with data). */
  readonly measures?: readonly KpiMeasure[];
}

/** Rates with their counts ("33% (1 of 3)"), weak rows marked. */
export function RatesTable(props: RatesTableProps): JSX.Element {
  const measures =
    props.measures ?? KPI_MEASURES.filter((m) => [...props.rates.values()].some((r) => r.has(m)));
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped withTableBorder captionSide="top">
        <Table.Caption>{props.caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{props.rowLabel}</Table.Th>
            {measures.map((m) => (
              <Table.Th key={m}>{MEASURE_LABELS[m]}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...props.rates].map(([key, rates]) => {
            const weak = props.highlight?.get(key);
            return (
              <Table.Tr key={key} bg={weak ? 'var(--mantine-color-orange-light)' : undefined}>
                <Table.Th scope="row">
                  {props.nameOf ? props.nameOf(key) : key}{' '}
                  {weak ? (
                    <Badge color="orange" size="xs">
                      Needs attention
                    </Badge>
                  ) : null}
                </Table.Th>
                {measures.map((m) => (
                  <Table.Td key={m} fw={weak === m ? 700 : undefined}>
                    {rateText(rates.get(m))}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
