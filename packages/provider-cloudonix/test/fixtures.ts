import type { WebhookRequestInit } from '@patchbay/core';
import type { CloudonixConfig } from '../src/index.js';

export const cloudonixConfig: CloudonixConfig = {
  provider: 'cloudonix',
  bearer_token: 'XI0123456789abcdef0123456789abcdef',
  domain_id: 'acme.cloudonix.net',
  application_name: 'patchbay-app',
  region: 'India',
  trunks: [],
  domain_uuid: 'd0f1e2d3-c4b5-a697-8877-665544332211',
};

export function cloudonixRequest(
  url: string,
  body: unknown,
  apiKey: string | undefined = cloudonixConfig.bearer_token,
): WebhookRequestInit {
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Cloudonix-Voice/1.0',
      ...(apiKey ? { 'x-cx-apikey': apiKey } : {}),
    },
    body: JSON.stringify(body),
  };
}

export const inboundRequest = cloudonixRequest('https://voice.example.com/telephony/inbound', {
  CallSid: 'call-sid-1',
  Session: 'sess-0123456789',
  From: '+15551239999',
  To: '15551230002',
  Direction: 'inbound',
  CallStatus: 'ringing',
  Domain: 'ACME.cloudonix.net',
  SessionData: { token: 'sess-0123456789', profile: {} },
});

export const cdr = (disposition: string, extra: Record<string, unknown> = {}) =>
  cloudonixRequest('https://voice.example.com/telephony/cloudonix/cdr', {
    domain: 'acme.cloudonix.net',
    session: { token: 'sess-9' },
    disposition,
    billsec: 42,
    duration: 50,
    ...extra,
  });
