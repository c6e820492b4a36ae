import { generateKeyPairSync } from 'node:crypto';
import type { WebhookRequestInit } from '@patchbay/core';
import { SignJWT } from 'jose';
import type { VonageConfig } from '../src/index.js';

/** A throwaway RSA key for the application, made per test run. */
export const applicationKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** The account of the reference's known-answer vector V1. */
export const vonageConfig: VonageConfig = {
  provider: 'vonage',
  application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  private_key: applicationKeys.privateKey,
  api_key: 'vonage-api-key',
  api_secret: 'vonage-api-secret',
  signature_secret: 'vonage-signature-secret',
};

/** V1's fixed issue time: tests pin the clock just after it. */
export const V1_IAT = 1767225600;
export const pinnedClock = () => new Date((V1_IAT + 10) * 1000);

/** Reference vector V1: raw body and its HS256 token. */
export const V1_BODY =
  '{"from":"15551230001","to":"15551230002","uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","conversation_uuid":"CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab","status":"answered","direction":"inbound"}';
export const V1_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU2MDAsImp0aSI6InRlc3QtanRpIiwiaXNzIjoiVm9uYWdlIiwicGF5bG9hZF9oYXNoIjoiMGE5YWE4ZDg4YjczOWQ3NzA3N2E0OGY1OTRhMWQyZGY1ZTUzMWI2NmZhMDYxOTE4NjBmOTY0ZGI3YjE2ZmUwNCIsImFwaV9rZXkiOiJ2b25hZ2UtYXBpLWtleSIsImFwcGxpY2F0aW9uX2lkIjoiYWFhYWFhYWEtYmJiYi1jY2NjLWRkZGQtMDEyMzQ1Njc4OWFiIn0.5fQqiproSRBq8zKMHIo2_Txwilm3shMBrgP6WqaCJsk';
export const V1_EXPIRED_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU2MDAsImp0aSI6InRlc3QtanRpIiwiaXNzIjoiVm9uYWdlIiwicGF5bG9hZF9oYXNoIjoiMGE5YWE4ZDg4YjczOWQ3NzA3N2E0OGY1OTRhMWQyZGY1ZTUzMWI2NmZhMDYxOTE4NjBmOTY0ZGI3YjE2ZmUwNCIsImFwaV9rZXkiOiJ2b25hZ2UtYXBpLWtleSIsImFwcGxpY2F0aW9uX2lkIjoiYWFhYWFhYWEtYmJiYi1jY2NjLWRkZGQtMDEyMzQ1Njc4OWFiIiwiZXhwIjoxNzY3MjI1NjYwfQ.iavtDsr2-SRVROyvzfCre5F4W1rVNXYrVlgShFgCBho';

export function vonageRequest(url: string, body: string, token?: string): WebhookRequestInit {
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  };
}

/** Signs a body as Vonage does (HS256, payload hash), at the pinned time unless told otherwise. */
export async function signLikeVonage(
  body: string,
  claims: Record<string, unknown> = {},
  secret = vonageConfig.signature_secret,
): Promise<string> {
  const { createHash } = await import('node:crypto');
  return new SignJWT({
    iss: 'Vonage',
    payload_hash: createHash('sha256').update(body).digest('hex'),
    api_key: vonageConfig.api_key,
    application_id: vonageConfig.application_id,
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(V1_IAT)
    .setJti(`jti-${Math.random()}`)
    .sign(new TextEncoder().encode(secret));
}

export const event = (status: string, extra: Record<string, unknown> = {}) => {
  const body = JSON.stringify({
    uuid: 'bbbbbbbb-cccc-dddd-eeee-0123456789ab',
    conversation_uuid: 'CON-1',
    status,
    direction: 'outbound',
    from: '15551230001',
    to: '15551230002',
    timestamp: '2026-11-21T10:00:00.000Z',
    ...extra,
  });
  return vonageRequest('https://voice.example.com/telephony/vonage/events', body);
};
