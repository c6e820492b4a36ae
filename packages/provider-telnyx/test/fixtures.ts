import { createPrivateKey, sign } from 'node:crypto';
import type { WebhookRequestInit } from '@patchbay/core';
import type { TelnyxConfig } from '../src/index.js';

/** RFC 8032 §7.1 TEST 1, the key pair of the reference's vectors. */
export const PUBLIC_KEY = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
const SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows.
const privateKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]),
  format: 'der',
  type: 'pkcs8',
});

export const telnyxConfig: TelnyxConfig = {
  provider: 'telnyx',
  api_key: 'KEY0123456789ABCDEF_telnyx',
  connection_id: '1234567890',
  webhook_public_key: PUBLIC_KEY,
};

export const KAT_CLOCK = new Date(1700000000 * 1000);
export const pinnedClock = () => KAT_CLOCK;

/** KAT-T1: body and signature exactly as in the reference. */
export const KAT_T1_BODY =
  '{"data":{"record_type":"event","event_type":"call.initiated","id":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0","occurred_at":"2023-11-14T22:13:20.000000Z","payload":{"call_control_id":"v3:kat-call-control-id","call_leg_id":"kat-leg","call_session_id":"kat-session","client_state":null,"connection_id":"1234567890","direction":"incoming","from":"+15551230001","to":"+15551230002","state":"parked"}},"meta":{"attempt":1,"delivered_to":"https://example.test/api/v1/telephony/inbound/run"}}';
export const KAT_T1_SIGNATURE =
  'USfChXy6nGCfq0pYMWz/DocyeQ3Kk1TFW4J/b2aAjlgvBg4+TZv139NJoLYg3ad8ii+6EjlUwVWi9BMQi6KLBQ==';

export function telnyxRequest(
  body: string,
  headers: Record<string, string> = {},
  url = 'https://voice.example.com/telephony/inbound',
): WebhookRequestInit {
  return { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, body };
}

/** Signs a body as Telnyx does, with the reference key, at the pinned time unless told otherwise. */
export function signedTelnyx(
  body: string,
  timestamp = '1700000000',
  url?: string,
): WebhookRequestInit {
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
  return telnyxRequest(
    body,
    { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp },
    url,
  );
}

export const callEvent = (eventType: string, payload: Record<string, unknown> = {}) =>
  telnyxRequest(
    JSON.stringify({
      data: {
        record_type: 'event',
        event_type: eventType,
        id: 'evt-1',
        occurred_at: '2026-11-21T10:00:42.000000Z',
        payload: {
          call_control_id: 'v3:call-1',
          connection_id: '1234567890',
          direction: 'outgoing',
          from: '+15551230001',
          to: '+15551230002',
          ...payload,
        },
      },
      meta: { attempt: 1 },
    }),
    {},
    'https://voice.example.com/telephony/telnyx/events',
  );
