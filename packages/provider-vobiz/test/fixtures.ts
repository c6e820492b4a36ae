import type { WebhookRequestInit } from '@patchbay/core';
import type { VobizConfig } from '../src/index.js';

export const vobizConfig: VobizConfig = {
  provider: 'vobiz',
  auth_id: 'MA_SYQRLN1K',
  auth_token: 'vobiz-auth-token',
  parent_auth_token: 'vobiz-parent-token',
  application_id: '12345678901234567',
};

export const V3_NONCE = '12345678901234567890';
export const V2_NONCE = '09876543210987654321';

/**
 * Known answers, computed with Python's hmac and base64 modules (not this
 * package) from the algorithm in Vobiz's "Validating Callbacks":
 * base64(HMAC-SHA256(token, baseURL + "." + nonce)) for V3,
 * base64(HMAC-SHA256(token, baseURL + nonce)) for V2, the MA ones keyed
 * with the parent token.
 */
export const KNOWN_SIGNATURES = {
  inboundUrl: 'https://voice.example.com/telephony/inbound',
  v3: 'SGHZT3Hw/5yqgU5mozvSjmmrvo8O3QPxCkeKNy9GqI8=',
  v2: 'ZrV+c5ZwFWwPvlTG2iMi3AE8FNLd1Wfw++zU+u5+fjE=',
  maV3: 'PWkiJd2MVDOmCc5pExUuw9zdVfLGTeszOwaBXaXT+l0=',
  maV2: 'lRntbLlzuld62i5Lp+5nu8Uo9Ydg6Q7GWSFeIpND2wI=',
  /** The status URL with a port and a query, which is not signed. */
  statusUrl: 'https://voice.example.com:8443/telephony/vobiz/status/c1?attempt=2',
  statusNonce: '55555555555555555555',
  statusV3: 'lWy0Q7mklEbLyJiBd/LJ4p44YFgok8Xkvrsb+gr5H2Y=',
} as const;

export function vobizForm(
  url: string,
  fields: Record<string, string>,
  signatures: Record<string, string> = {},
): WebhookRequestInit {
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Vobiz/1.0',
      ...signatures,
    },
    body: new URLSearchParams(fields).toString(),
  };
}

/** The headers Vobiz sends on a main-account callback: V2 and V3, each with its nonce. */
export const signedHeaders = (v3: string, v2?: string, v3Nonce: string = V3_NONCE) => ({
  'x-vobiz-signature-v3': v3,
  'x-vobiz-signature-v3-nonce': v3Nonce,
  ...(v2 ? { 'x-vobiz-signature-v2': v2, 'x-vobiz-signature-v2-nonce': V2_NONCE } : {}),
});

export const INBOUND_FIELDS = {
  CallUUID: '66666666-7777-8888-9999-000000000000',
  CallStatus: 'ringing',
  Direction: 'inbound',
  From: '919876543210',
  To: '918069000000',
};

/** A signed inbound call, as Vobiz posts it to the application's answer URL. */
export const INBOUND = vobizForm(
  KNOWN_SIGNATURES.inboundUrl,
  INBOUND_FIELDS,
  signedHeaders(KNOWN_SIGNATURES.v3, KNOWN_SIGNATURES.v2),
);

/** A signed hangup callback on the status URL. */
export const HANGUP = vobizForm(
  KNOWN_SIGNATURES.statusUrl,
  {
    CallUUID: '11111111-2222-3333-4444-555555555555',
    CallStatus: 'completed',
    Direction: 'outbound',
    Duration: '42',
    Event: 'Hangup',
    HangupCause: 'NORMAL_CLEARING',
    From: '918069000000',
    To: '919876543210',
  },
  signedHeaders(KNOWN_SIGNATURES.statusV3, undefined, KNOWN_SIGNATURES.statusNonce),
);

export const statusCallback = (fields: Record<string, string>) =>
  vobizForm('https://voice.example.com/telephony/vobiz/status/c1', {
    CallUUID: '11111111-2222-3333-4444-555555555555',
    ...fields,
  });
