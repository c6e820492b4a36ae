/**
 * GET /metrics: Prometheus text with live calls by carrier and what this
 * process saw end, refused and failed; answered only to this machine or to
 * the METRICS_TOKEN bearer.
 */
import { createRegistry } from '@patchbay/core';
import { twilio as twilioProvider } from '@patchbay/provider-twilio';
import { expect, it } from 'vitest';
import { startTestServer } from './helpers.js';
import {
  ACCOUNT_SID,
  existingTwilioCall,
  signedTwilioPost,
  withTwilioTestServer,
} from './twilio-call.js';

const twilio = withTwilioTestServer();

const scrape = async (remoteAddress = '127.0.0.1', authorization?: string) =>
  twilio.t.server.inject({
    method: 'GET',
    url: '/metrics',
    remoteAddress,
    ...(authorization ? { headers: { authorization } } : {}),
  });

it('counts live calls, calls ended by status, and refused signatures', async () => {
  const { id, carrierCallId } = await existingTwilioCall(twilio, 'in-progress');
  const live = await scrape();
  expect(live.statusCode).toBe(200);
  expect(live.headers['content-type']).toContain('text/plain');
  expect(live.body).toContain('patchbay_calls_active{provider="twilio"} 1');
  expect(live.body).toContain('patchbay_process_nodejs_eventloop_lag_seconds');

  const fields = { CallSid: carrierCallId, AccountSid: ACCOUNT_SID, CallStatus: 'completed' };
  const path = `/telephony/twilio/status/${id}`;
  expect((await signedTwilioPost(twilio.t, path, fields)).status).toBe(204);
  // A forged callback: refused, and counted.
  const forged = await fetch(`${twilio.t.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
    body: new URLSearchParams(fields).toString(),
  });
  expect(forged.status).toBe(401);

  const after = (await scrape()).body;
  expect(after).toContain('patchbay_calls_ended_total{provider="twilio",status="completed"} 1');
  expect(after).toContain('patchbay_webhook_signature_failures_total{provider="twilio"} 1');
  expect(after).not.toContain('patchbay_calls_active{provider="twilio"} 1');
});

it('answers only this machine, or the bearer of METRICS_TOKEN', async () => {
  const remote = await scrape('203.0.113.7');
  expect(remote.statusCode).toBe(403);
  expect(remote.json().error.code).toBe('metrics_forbidden');

  const token = 'a-metrics-token-of-some-length';
  const withToken = await startTestServer(createRegistry([twilioProvider()]), twilio.t, {
    env: { METRICS_TOKEN: token },
  });
  try {
    const ask = (authorization?: string) =>
      withToken.server.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '203.0.113.7',
        ...(authorization ? { headers: { authorization } } : {}),
      });
    expect((await ask()).statusCode).toBe(401);
    expect((await ask('Bearer not-the-token-at-all-no')).statusCode).toBe(401);
    expect((await ask(`Bearer ${token}`)).statusCode).toBe(200);
  } finally {
    await withToken.close();
  }
});
