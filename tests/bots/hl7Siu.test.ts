import { Hl7Message } from '@medplum/core';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../src/bots/hl7Siu';
import { installClock } from '../../src/bots/runtime';
import { upsertPatientMirror } from '../../src/fhir/mirrors';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';
import { secrets } from '../fixtures/medplum';

const NOW = new Date('2026-11-20T21:00:00Z');
const LOCAL_MRN = 'https://careloop.health/fhir/identifier/hl7/LAKESIDE';

let medplum: MockClient;
let uninstall: () => void;

beforeEach(() => {
  indexFhirDefinitions();
  medplum = new MockClient();
  uninstall = installClock({ now: () => NOW });
});
afterEach(() => {
  uninstall();
  vi.restoreAllMocks();
});

/** A segment from field number → value; unlisted fields are empty. */
function seg(name: string, fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  return [name, ...Array.from({ length: max }, (_, i) => fields[i + 1] ?? '')].join('|');
}

interface SiuParts {
  event?: string;
  type?: string;
  pid?: Record<number, string> | null;
  sch?: Record<number, string> | null;
  extra?: string[];
}

const PID: Record<number, string> = {
  1: '1',
  3: 'MRN1001^^^LAKESIDE^MR~ENT1001^^^LAKESIDE_ENT^PI',
  5: 'Testpatient^Ana^Q^^^^L',
  7: '19750203',
  8: 'F',
  11: '1 Test St^^Chicago^IL^60601^USA^H',
  13: '^PRN^CP^^1^312^5550142~^NET^Internet^ana.testpatient@example.test',
  14: '^WPN^PH^^1^312^5550150',
  15: 'SPA^Spanish^HL70296',
};

const SCH: Record<number, string> = {
  1: 'PL123^EPIC',
  2: 'FL5001^EPIC',
  6: 'NEW^New appointment^HL70276',
  8: 'ROUTINE^Routine^HL70276',
  9: '30',
  10: 'min',
  11: '^^30^202612010930^202612011000',
  25: 'Booked',
};

function siu(parts: SiuParts = {}): string {
  const event = parts.event ?? 'S12';
  const segments = [
    `MSH|^~\\&|EHRAPP|LAKESIDE|CARELOOP|CARELOOP|20261120150000||${parts.type ?? 'SIU'}^${event}^SIU_S12|CTRL-${event}-1|P|2.5.1`,
    parts.sch === null ? undefined : seg('SCH', parts.sch ?? SCH),
    parts.pid === null ? undefined : seg('PID', parts.pid ?? PID),
    'RGS|1',
    seg('AIS', { 1: '1', 3: 'OV^Office visit^L', 4: '202612010930' }),
    seg('AIP', { 1: '1', 3: '1234567890^Doctor^Test^^^Dr^^^NPI', 4: 'ATT^Attending^HL70443' }),
    seg('AIL', { 1: '1', 3: 'LAKE^101^^LAKESIDE^^^^^Lakeside Clinic Room 101' }),
    ...(parts.extra ?? []),
  ];
  return segments.filter((s) => s !== undefined).join('\r');
}

async function send(input: unknown, values: Record<string, string> = { HL7_TIME_ZONE: 'America/Chicago' }) {
  const ack = await handler(medplum, {
    bot: { reference: 'Bot/hl7-siu' },
    contentType: 'x-application/hl7-v2+er7',
    input,
    secrets: secrets(values),
  } as never);
  const msa = ack.getSegment('MSA');
  const err = ack.getSegment('ERR');
  return {
    ack,
    code: msa?.getField(1)?.toString(),
    control: msa?.getField(2)?.toString(),
    text: msa?.getField(3)?.toString() ?? '',
    errLocation: err?.getField(2)?.toString(),
    errCode: err?.getComponent(3, 1),
  };
}

async function appointments(): Promise<Appointment[]> {
  return medplum.searchResources('Appointment', { _count: '100' }, { cache: 'no-cache' });
}

async function patients(): Promise<Patient[]> {
  return medplum.searchResources('Patient', { identifier: `${LOCAL_MRN}|MRN1001` }, { cache: 'no-cache' });
}

describe('hl7-siu bot: events', () => {
  it('S12 mirrors the patient and a booked appointment, and acknowledges AA', async () => {
    const result = await send(siu());
    expect(result).toMatchObject({ code: 'AA', control: 'CTRL-S12-1', text: 'S12: appointment created' });
    expect(result.ack.getSegment('MSH')?.getField(9)?.toString()).toBe('ACK^S12^ACK');
    expect(result.ack.getSegment('MSH')?.getField(3)?.toString()).toBe('CARELOOP');
    expect(result.ack.getSegment('MSH')?.getField(7)?.toString()).toBe('20261120210000+0000');

    const [patient] = await patients();
    expect(patient?.identifier).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: LOCAL_MRN, value: 'MRN1001' }),
        expect.objectContaining({ system: 'https://careloop.health/fhir/identifier/hl7/LAKESIDE_ENT' }),
      ]),
    );
    expect(patient?.name).toEqual([{ use: 'official', family: 'Testpatient', given: ['Ana', 'Q'] }]);
    expect(patient?.birthDate).toBe('1975-02-03');
    expect(patient?.gender).toBe('female');
    expect(patient?.telecom).toEqual([
      { system: 'phone', value: '+13125550142', use: 'mobile' },
      { system: 'email', value: 'ana.testpatient@example.test', use: 'home' },
      { system: 'phone', value: '+13125550150', use: 'work' },
    ]);
    expect(patient?.communication?.[0]?.language.coding?.[0]).toEqual({
      system: 'urn:ietf:bcp:47',
      code: 'es',
    });
    expect(patient?.address?.[0]).toMatchObject({ use: 'home', city: 'Chicago', postalCode: '60601' });

    const [appointment] = await appointments();
    expect(appointment).toMatchObject({
      status: 'booked',
      start: '2026-12-01T15:30:00Z',
      end: '2026-12-01T16:00:00Z',
      minutesDuration: 30,
    });
    expect(appointment?.identifier?.[0]).toEqual({
      system: 'https://careloop.health/fhir/identifier/hl7/EPIC',
      value: 'FL5001',
    });
    expect(appointment?.participant[0]).toMatchObject({
      actor: { reference: `Patient/${patient?.id}` },
      status: 'needs-action',
    });
    expect(appointment?.participant[1]?.actor).toEqual({
      type: 'Practitioner',
      identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567890' },
      display: 'Dr Test Doctor',
    });
    expect(appointment?.participant[2]?.actor).toMatchObject({
      type: 'Location',
      display: 'Lakeside Clinic Room 101',
    });
    expect(appointment?.serviceType?.[0]?.text).toBe('Office visit');
  });

  it('a resent S12 changes nothing', async () => {
    await send(siu());
    const [before] = await appointments();
    const again = await send(siu());
    expect(again).toMatchObject({ code: 'AA', text: 'S12: appointment unchanged' });
    const after = await appointments();
    expect(after).toHaveLength(1);
    expect(after[0]?.meta?.versionId).toBe(before?.meta?.versionId);
    expect(await patients()).toHaveLength(1);
  });

  it('S13 and S14 move the same appointment; times without offset are read in the default zone', async () => {
    await send(siu(), {});
    const [created] = await appointments();
    expect(created?.start).toBe('2026-12-01T14:30:00Z'); // 09:30 in New York
    const moved = await send(siu({ event: 'S13', sch: { ...SCH, 11: '^^30^202612031100' } }), {});
    expect(moved.code).toBe('AA');
    const [rescheduled] = await appointments();
    expect(rescheduled?.id).toBe(created?.id);
    expect(rescheduled).toMatchObject({
      status: 'booked',
      start: '2026-12-03T16:00:00Z',
      end: '2026-12-03T16:30:00Z',
    });
    await send(siu({ event: 'S14', sch: { ...SCH, 11: '^^45^202612031115', 25: '' } }), {});
    const [modified] = await appointments();
    expect(modified).toMatchObject({ status: 'booked', start: '2026-12-03T16:15:00Z', minutesDuration: 45 });
  });

  it('an S14 whose filler status says complete marks the visit fulfilled', async () => {
    await send(siu());
    await send(siu({ event: 'S14', sch: { ...SCH, 25: 'Complete' } }));
    expect((await appointments())[0]?.status).toBe('fulfilled');
  });

  it('S15 cancels with the reason and keeps the time when the cancel carries none', async () => {
    await send(siu());
    const cancel = await send(
      siu({ event: 'S15', sch: { 2: 'FL5001^EPIC', 6: 'PATCANC^Patient cancelled^L', 25: 'Cancelled' } }),
    );
    expect(cancel.code).toBe('AA');
    const [appointment] = await appointments();
    expect(appointment).toMatchObject({ status: 'cancelled', start: '2026-12-01T15:30:00Z' });
    expect(appointment?.cancelationReason?.text).toBe('Patient cancelled');
    // The practitioner and location from the booking stay when the cancel lists none.
    expect(appointment?.participant).toHaveLength(3);
  });

  it('S17 (delete) cancels and S26 marks a no-show', async () => {
    await send(siu());
    await send(siu({ event: 'S17' }));
    expect((await appointments())[0]?.status).toBe('cancelled');
    await send(siu({ sch: { ...SCH, 2: 'FL5002^EPIC' } }));
    await send(siu({ event: 'S26', sch: { ...SCH, 2: 'FL5002^EPIC' } }));
    const noShow = (await appointments()).find((a) => a.identifier?.some((i) => i.value === 'FL5002'));
    expect(noShow?.status).toBe('noshow');
  });

  it('honours an explicit UTC offset, and reads TQ1 when SCH-11 is empty', async () => {
    await send(siu({ sch: { ...SCH, 11: '^^30^202612010930-0500' } }));
    expect((await appointments())[0]?.start).toBe('2026-12-01T14:30:00Z');
    await send(
      siu({
        sch: { ...SCH, 2: 'FL5003^EPIC', 9: '', 10: '', 11: '' },
        extra: [seg('TQ1', { 1: '1', 6: '20^min', 7: '202612021000' })],
      }),
    );
    const tq1 = (await appointments()).find((a) => a.identifier?.some((i) => i.value === 'FL5003'));
    expect(tq1).toMatchObject({
      start: '2026-12-02T16:00:00Z',
      end: '2026-12-02T16:20:00Z',
      minutesDuration: 20,
    });
  });

  it('accepts an Hl7Message object and MLLP framing', async () => {
    expect((await send(Hl7Message.parse(siu()))).code).toBe('AA');
    expect((await send(`\x0b${siu({ event: 'S14' })}\x1c\r`)).code).toBe('AA');
    expect(await appointments()).toHaveLength(1);
  });
});

describe('hl7-siu bot: the HL7 and FHIR feeds meet', () => {
  it('matches the FHIR mirror through HL7_IDENTIFIER_SYSTEMS and keeps what HL7 did not send', async () => {
    const mrnSystem = 'urn:oid:2.16.840.1.113883.3.9999.1';
    const fromFhir = await upsertPatientMirror(
      medplum,
      {
        resourceType: 'Patient',
        id: 'ehr-p1',
        identifier: [{ system: mrnSystem, value: 'MRN1001' }],
        name: [{ given: ['Ana'], family: 'Testpatient' }],
        telecom: [{ system: 'phone', use: 'home', value: '312-555-0199' }],
        extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/tz-code', valueCode: 'America/Chicago' }],
      },
      { base: 'https://ehr.example.test/fhir/R4' },
    );
    const result = await send(siu({ pid: { ...PID, 13: '^PRN^CP^^1^312^5550142', 14: '' } }), {
      HL7_TIME_ZONE: 'America/Chicago',
      HL7_IDENTIFIER_SYSTEMS: JSON.stringify({ LAKESIDE: mrnSystem }),
    });
    expect(result.code).toBe('AA');
    const mirrors = await medplum.searchResources(
      'Patient',
      { identifier: `${mrnSystem}|MRN1001` },
      { cache: 'no-cache' },
    );
    expect(mirrors).toHaveLength(1);
    expect(mirrors[0]?.id).toBe(fromFhir.resource.id);
    expect(mirrors[0]?.telecom).toEqual([
      { system: 'phone', use: 'home', value: '312-555-0199' },
      { system: 'phone', value: '+13125550142', use: 'mobile' },
    ]);
    expect(mirrors[0]?.extension?.[0]?.valueCode).toBe('America/Chicago');
    const [appointment] = await appointments();
    expect(appointment?.participant[0]?.actor?.reference).toBe(`Patient/${fromFhir.resource.id}`);
  });

  it("keeps the patient's confirmation through an S14 at the same time, not through a reschedule", async () => {
    await send(siu());
    const [booked] = await appointments();
    await medplum.updateResource({
      ...(booked as Appointment),
      participant: (booked as Appointment).participant.map((p, i) =>
        i === 0 ? { ...p, status: 'accepted' as const } : p,
      ),
    });
    await send(siu({ event: 'S14', sch: { ...SCH, 8: 'FOLLOWUP^Follow-up^HL70276' } }));
    expect((await appointments())[0]?.participant[0]?.status).toBe('accepted');
    await send(siu({ event: 'S13', sch: { ...SCH, 11: '^^30^202612041000' } }));
    expect((await appointments())[0]?.participant[0]?.status).toBe('needs-action');
  });
});

describe('hl7-siu bot: bad input is answered, never thrown', () => {
  it('rejects (AR) what is not HL7, not SIU, or an event it does not handle', async () => {
    expect(await send('hello')).toMatchObject({
      code: 'AR',
      text: expect.stringContaining('must start with MSH'),
    });
    expect(await send({ resourceType: 'Patient' })).toMatchObject({ code: 'AR' });
    expect(await send(siu({ type: 'ADT', event: 'A04' }))).toMatchObject({
      code: 'AR',
      errCode: '200',
      control: 'CTRL-A04-1',
    });
    expect(await send(siu({ event: 'S99' }))).toMatchObject({ code: 'AR', errCode: '201' });
  });

  it('answers AE naming the field for missing or malformed content', async () => {
    expect(await send(siu({ pid: { ...PID, 3: '' } }))).toMatchObject({
      code: 'AE',
      errCode: '101',
      errLocation: 'PID^1^3',
      text: 'PID-3 has no patient identifier',
    });
    expect(await send(siu({ pid: null }))).toMatchObject({ code: 'AE', errCode: '100', errLocation: 'PID' });
    expect(await send(siu({ sch: { ...SCH, 1: '', 2: '' } }))).toMatchObject({
      code: 'AE',
      errLocation: 'SCH^1^2',
    });
    expect(await send(siu({ sch: { ...SCH, 11: '^^30^202613010930' } }))).toMatchObject({
      code: 'AE',
      errCode: '102',
    });
    expect(await send(siu({ sch: { ...SCH, 11: '^^30^20261201' } }))).toMatchObject({
      code: 'AE',
      text: expect.stringContaining('no time of day'),
    });
    // 02:30 on the spring-forward Sunday does not exist in Chicago.
    expect(await send(siu({ sch: { ...SCH, 11: '^^30^202603080230' } }))).toMatchObject({
      code: 'AE',
      errCode: '102',
    });
    const noStart = { ...SCH, 11: '' };
    const withoutTime = siu({ sch: noStart }).replace(/\rAIS[^\r]*/, '');
    expect(await send(withoutTime)).toMatchObject({ code: 'AE', errCode: '101', errLocation: 'SCH^1^11' });
    expect(await send(siu({ pid: { ...PID, 7: '1975AB03' } }))).toMatchObject({
      code: 'AE',
      errLocation: 'PID^1^7',
    });
    expect(await appointments()).toHaveLength(0);
  });

  it('escapes its own text so the ACK stays parseable', async () => {
    const result = await send(siu({ sch: { ...SCH, 11: '^^30^2026&12' } }));
    const reparsed = Hl7Message.parse(result.ack.toString());
    expect(reparsed.getSegment('MSA')?.getField(3)?.toString()).toContain('2026\\T\\12');
    expect(reparsed.getSegment('ERR')?.getField(4)?.toString()).toBe('E');
  });

  it('answers AE (resend later) when storing fails, and when the bot is misconfigured', async () => {
    vi.spyOn(medplum, 'upsertResource').mockRejectedValue(new Error('service unavailable'));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await send(siu())).toMatchObject({
      code: 'AE',
      errCode: '207',
      text: expect.stringContaining('resend'),
    });
    expect(await send(siu(), { HL7_TIME_ZONE: 'Mars/Olympus' })).toMatchObject({
      code: 'AE',
      errCode: '207',
      text: expect.stringContaining('HL7_TIME_ZONE'),
    });
  });
});
