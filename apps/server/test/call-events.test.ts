/**
 * GET /api/v1/calls/events: a call's start, status changes and end reach
 * its organization's open streams as server-sent events, once each, and no
 * other organization's.
 */
import { expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  existingTwilioCall,
  signedTwilioPost,
  withTwilioTestServer,
} from './twilio-call.js';

const twilio = withTwilioTestServer();

/** An open event stream, parsed as it arrives. */
async function openStream(key: string) {
  const controller = new AbortController();
  const response = await fetch(`${twilio.t.server.url}/api/v1/calls/events`, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal,
  });
  const events: { event: string; data: { id: string; status: string } }[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  void (async () => {
    try {
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return { response, events, close: () => controller.abort() };
}

async function postStatus(callId: string, status: string) {
  const fields = {
    CallSid: `CA${callId.replace(/-/g, '')}`,
    AccountSid: ACCOUNT_SID,
    CallStatus: status,
  };
  const response = await signedTwilioPost(twilio.t, `/telephony/twilio/status/${callId}`, fields);
  expect(response.status).toBe(204);
}

it('streams each change of a call to its organization, once, and to no one else', async () => {
  const own = await openStream(twilio.t.apiKey);
  const other = await openStream(twilio.t.otherKey);
  expect(own.response.status).toBe(200);
  expect(own.response.headers.get('content-type')).toContain('text/event-stream');

  const { id } = await existingTwilioCall(twilio, 'initiated');
  await postStatus(id, 'ringing');
  await postStatus(id, 'ringing'); // a retried callback changes nothing
  await postStatus(id, 'in-progress');
  await postStatus(id, 'completed');

  await expect
    .poll(() => own.events.map((e) => `${e.event}:${e.data.id === id}:${e.data.status}`))
    .toEqual(['call:true:ringing', 'call:true:in-progress', 'call:true:completed']);
  expect(other.events).toEqual([]);
  own.close();
  other.close();
});

it('is authorized like the API', async () => {
  const refused = await fetch(`${twilio.t.server.url}/api/v1/calls/events`);
  expect(refused.status).toBe(401);
  await refused.body?.cancel();
});
