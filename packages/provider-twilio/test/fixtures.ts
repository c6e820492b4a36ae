import type { WebhookRequestInit } from '@patchbay/core';
import type { TwilioConfig } from '../src/index.js';

/** The account of the reference's known-answer vectors. */
export const twilioConfig: TwilioConfig = {
  provider: 'twilio',
  account_sid: 'AC00000000000000000000000000000001',
  auth_token: 'twilio-auth-token',
  amd_enabled: false,
};

export function twilioForm(
  url: string,
  fields: Record<string, string>,
  signature?: string,
): WebhookRequestInit {
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'TwilioProxy/1.1',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Reference vector T3: a signed status callback. */
export const signedStatusCallback = twilioForm(
  'https://api.example.com/api/v1/telephony/twilio/status-callback/123',
  {
    AccountSid: 'AC00000000000000000000000000000001',
    CallDuration: '42',
    CallSid: 'CA00000000000000000000000000000001',
    CallStatus: 'completed',
    Direction: 'outbound-api',
    From: '+15551230001',
    To: '+15551230002',
  },
  'AI3a8ktr93fGZMKXjFDMhVX8PaY=',
);

/** Reference vector T4: a signed inbound call. */
export const signedInbound = twilioForm(
  'https://api.example.com/api/v1/telephony/inbound/run',
  {
    AccountSid: 'AC00000000000000000000000000000001',
    ApiVersion: '2010-04-01',
    CallSid: 'CA00000000000000000000000000000002',
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: '+15551239999',
    FromCountry: 'US',
    To: '+15551230002',
    ToCountry: 'US',
  },
  'dtPdldJtvX68XbY+IT8TmcdbJSY=',
);

/** Reference vector T2: the signed outbound answer webhook. */
export const signedAnswer = twilioForm(
  'https://api.example.com/api/v1/telephony/twiml?workflow_id=7&workflow_run_id=123&organization_id=11',
  {
    AccountSid: 'AC00000000000000000000000000000001',
    ApiVersion: '2010-04-01',
    CallSid: 'CA00000000000000000000000000000001',
    CallStatus: 'in-progress',
    Direction: 'outbound-api',
    From: '+15551230001',
    To: '+15551230002',
  },
  'VtfzDTsqrP9Y7MNLaXYpZMtyYns=',
);

export const statusCallback = (callStatus: string, extra: Record<string, string> = {}) =>
  twilioForm('https://voice.example.com/telephony/twilio/status', {
    AccountSid: twilioConfig.account_sid,
    CallSid: 'CA00000000000000000000000000000009',
    CallStatus: callStatus,
    Direction: 'outbound-api',
    From: '+15551230001',
    To: '+15551230002',
    ...extra,
  });
