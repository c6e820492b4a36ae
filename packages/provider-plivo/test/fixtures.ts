import type { WebhookRequestInit } from '@patchbay/core';
import type { PlivoConfig } from '../src/index.js';

/** The account of the reference's known-answer vectors (token and nonce). */
export const plivoConfig: PlivoConfig = {
  provider: 'plivo',
  auth_id: 'MAXXXXXXXXXXXXXXXXXX',
  auth_token: 'plivo-auth-token',
  application_id: '12345678901234567',
};
export const NONCE = '05429567804466091622';

export function plivoForm(
  url: string,
  fields: [string, string][] | Record<string, string>,
  signature?: string,
  nonce = NONCE,
): WebhookRequestInit {
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'PlivoHttp/1.0',
      ...(signature
        ? { 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce }
        : {}),
    },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Reference vector P1: the signed outbound answer webhook (query and body). */
export const P1 = plivoForm(
  'https://api.example.com/api/v1/telephony/plivo-xml?workflow_id=7&workflow_run_id=123&organization_id=11',
  {
    CallUUID: '11111111-2222-3333-4444-555555555555',
    CallStatus: 'in-progress',
    Direction: 'outbound',
    From: '15551230001',
    To: '15551230002',
  },
  '0CwDmBwKUbLiCMp0+D3cq+UjIEPLYjcrNAr1BzbPKOs=',
);

/** Reference vector P2: a signed hangup callback. */
export const P2 = plivoForm(
  'https://api.example.com/api/v1/telephony/plivo/hangup-callback/123',
  {
    CallStatus: 'completed',
    CallUUID: '11111111-2222-3333-4444-555555555555',
    Direction: 'outbound',
    Duration: '42',
    Event: 'Hangup',
    From: '15551230001',
    HangupCause: 'NORMAL_CLEARING',
    To: '15551230002',
  },
  'xfKcoRjncCPKCPkyHXhBh1wrHq8VhRvO+uYzeFeAk1I=',
);

/** Reference vector P3: a signed inbound call. */
export const P3 = plivoForm(
  'https://api.example.com/api/v1/telephony/inbound/run',
  {
    CallStatus: 'ringing',
    CallUUID: '66666666-7777-8888-9999-000000000000',
    Direction: 'inbound',
    From: '15551239999',
    To: '15551230002',
  },
  'UfcmMLxytCvSBlX6Z5CSYh3+qVvesRncAaDO5tyEqMA=',
);

export const hangupCallback = (fields: Record<string, string>) =>
  plivoForm('https://voice.example.com/telephony/plivo/status', {
    CallUUID: '11111111-2222-3333-4444-555555555555',
    RequestUUID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    Direction: 'outbound',
    From: '15551230001',
    To: '15551230002',
    ...fields,
  });
