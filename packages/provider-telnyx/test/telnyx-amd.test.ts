import { createWebhookRequest, silentLogger } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import { telnyx } from '../src/index.js';
import { callEvent, telnyxConfig } from './fixtures.js';

const provider = telnyx().create(telnyxConfig, { logger: silentLogger });
const result = (eventType: string, payload: Record<string, unknown>) =>
  provider.parseAnsweringMachineResult(createWebhookRequest(callEvent(eventType, payload)));

describe('answering-machine detection results', () => {
  it('says who answered, and that a machine is still greeting when detection ends', () => {
    expect(result('call.machine.detection.ended', { result: 'human' })).toEqual({
      callId: 'v3:call-1',
      answeredBy: 'human',
      carrierLabel: 'human',
    });
    expect(result('call.machine.detection.ended', { result: 'machine' })).toMatchObject({
      answeredBy: 'machine',
      greeting: 'started',
    });
    expect(
      result('call.machine.premium.detection.ended', { result: 'fax_detected' }),
    ).toMatchObject({ answeredBy: 'fax' });
  });

  it('says the greeting ended when detect_beep hears it end, beep or not', () => {
    for (const [eventType, label] of [
      ['call.machine.greeting.ended', 'beep_detected'],
      ['call.machine.premium.greeting.ended', 'no_beep_detected'],
    ] as const)
      expect(result(eventType, { result: label })).toEqual({
        callId: 'v3:call-1',
        answeredBy: 'machine',
        greeting: 'ended',
        carrierLabel: label,
      });
  });
});
