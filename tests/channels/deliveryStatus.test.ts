import { describe, expect, it } from 'vitest';
import { isStatusAdvance, mapCallStatus, mapMessageStatus } from '../../src/channels';

describe('mapMessageStatus', () => {
  it.each([
    ['queued', 'preparation'],
    ['accepted', 'preparation'],
    ['scheduled', 'preparation'],
    ['sending', 'in-progress'],
    ['sent', 'in-progress'],
  ] as const)('%s → %s, neither delivered nor failed', (status, expected) => {
    expect(mapMessageStatus({ MessageStatus: status })).toEqual({
      communicationStatus: expected,
      delivered: false,
      failed: false,
      permanent: false,
    });
  });

  it.each(['delivered', 'read', 'Delivered'])('%s → completed and delivered', (status) => {
    expect(mapMessageStatus({ MessageStatus: status })).toMatchObject({
      communicationStatus: 'completed',
      delivered: true,
      failed: false,
    });
  });

  it('30003 (unreachable) is a transient failure', () => {
    expect(mapMessageStatus({ MessageStatus: 'undelivered', ErrorCode: '30003' })).toMatchObject({
      communicationStatus: 'not-done',
      failed: true,
      permanent: false,
      errorCode: 30003,
    });
  });

  it('30006 (landline) is permanent and flags the landline', () => {
    const status = mapMessageStatus({ MessageStatus: 'undelivered', ErrorCode: '30006' });
    expect(status).toMatchObject({
      communicationStatus: 'not-done',
      failed: true,
      permanent: true,
      landline: true,
    });
    expect(status.reason).toContain('30006');
  });

  it('30005 (unknown number) is permanent and flags the number', () => {
    expect(mapMessageStatus({ MessageStatus: 'failed', ErrorCode: '30005' })).toMatchObject({
      permanent: true,
      invalidNumber: true,
    });
  });

  it('21610 is an opt-out; 30004 is a permanent block but not recorded as the patient opting out', () => {
    expect(mapMessageStatus({ MessageStatus: 'failed', ErrorCode: '21610' })).toMatchObject({
      permanent: true,
      optedOut: true,
    });
    const blocked = mapMessageStatus({ MessageStatus: 'undelivered', ErrorCode: '30004' });
    expect(blocked).toMatchObject({ permanent: true, failed: true });
    expect(blocked.optedOut).toBeUndefined();
  });

  it('other codes, and no code, are transient failures', () => {
    expect(mapMessageStatus({ MessageStatus: 'undelivered', ErrorCode: '30008' })).toMatchObject({
      failed: true,
      permanent: false,
    });
    expect(mapMessageStatus({ MessageStatus: 'failed' })).toMatchObject({ failed: true, permanent: false });
  });

  it('canceled → stopped', () => {
    expect(mapMessageStatus({ MessageStatus: 'canceled' })).toMatchObject({
      communicationStatus: 'stopped',
      failed: false,
      delivered: false,
    });
  });

  it('an unknown or missing status concludes nothing', () => {
    for (const params of [{ MessageStatus: 'teleported' }, {}]) {
      const status = mapMessageStatus(params);
      expect(status).toMatchObject({ communicationStatus: 'in-progress', delivered: false, failed: false });
      expect(status.reason).toBeDefined();
    }
  });
});

describe('mapCallStatus', () => {
  it('maps the call lifecycle', () => {
    expect(mapCallStatus({ CallStatus: 'ringing' }).communicationStatus).toBe('preparation');
    expect(mapCallStatus({ CallStatus: 'in-progress' }).communicationStatus).toBe('in-progress');
    expect(mapCallStatus({ CallStatus: 'completed' })).toMatchObject({
      communicationStatus: 'completed',
      delivered: true,
    });
    expect(mapCallStatus({ CallStatus: 'no-answer' })).toMatchObject({ failed: true, permanent: false });
    expect(mapCallStatus({ CallStatus: 'busy' })).toMatchObject({ failed: true, permanent: false });
    expect(mapCallStatus({ CallStatus: 'failed', ErrorCode: '21217' })).toMatchObject({
      permanent: true,
      invalidNumber: true,
    });
    expect(mapCallStatus({ CallStatus: 'canceled' }).communicationStatus).toBe('stopped');
  });
});

describe('isStatusAdvance', () => {
  it('moves forward only, so late callbacks cannot undo a final state', () => {
    expect(isStatusAdvance('preparation', 'in-progress')).toBe(true);
    expect(isStatusAdvance('in-progress', 'completed')).toBe(true);
    expect(isStatusAdvance('completed', 'in-progress')).toBe(false);
    expect(isStatusAdvance('not-done', 'completed')).toBe(false);
    expect(isStatusAdvance('in-progress', 'in-progress')).toBe(false);
  });
});
