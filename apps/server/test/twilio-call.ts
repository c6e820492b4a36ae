import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createResampler, mulawEncode, readWav } from '@patchbay/audio';
import { createRegistry } from '@patchbay/core';
import { computeTwilioSignature, twilio } from '@patchbay/provider-twilio';
import { type CarrierApiServer, startCarrierApiServer } from '@patchbay/testkit';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

export const ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const AUTH_TOKEN = 'twilio-auth-token-for-tests';
export const CALL_SID = 'CA00000000000000000000000000000042';

/**
 * The local Twilio's account resource, which a configuration save fetches to
 * prove its credentials: 401 (as Twilio answers) for any token but `token`.
 */
export function acceptTwilioAccount(carrier: CarrierApiServer, token = AUTH_TOKEN): void {
  const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${token}`).toString('base64')}`;
  carrier.route('GET', `/2010-04-01/Accounts/${ACCOUNT_SID}.json`, (request) =>
    request.headers['authorization'] === expected
      ? { json: { sid: ACCOUNT_SID, status: 'active', type: 'Full' } }
      : {
          status: 401,
          json: { code: 20003, message: 'Authenticate', more_info: '', status: 401 },
        },
  );
}

/**
 * A server with one Twilio configuration, against a local Twilio that
 * accepts its credentials; close both when done.
 */
export async function startTwilioTestServer(): Promise<{
  carrier: CarrierApiServer;
  t: TestServer;
  configurationId: string;
  close(): Promise<void>;
}> {
  const carrier = await startCarrierApiServer();
  acceptTwilioAccount(carrier);
  const t = await startTestServer(createRegistry([twilio({ baseUrl: carrier.url })]));
  const created = await t.call('POST', '/api/v1/configurations', {
    name: 'Twilio',
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  expect(created.status).toBe(201);
  return {
    carrier,
    t,
    configurationId: created.body.id,
    async close() {
      await t.close();
      await carrier.close();
    },
  };
}

/** A Twilio test server for the file's tests: started before them, closed after. */
export function withTwilioTestServer(): Awaited<ReturnType<typeof startTwilioTestServer>> {
  const server = {} as Awaited<ReturnType<typeof startTwilioTestServer>>;
  beforeAll(async () => {
    Object.assign(server, await startTwilioTestServer());
  });
  afterAll(async () => server.close?.());
  return server;
}

/**
 * An outbound Twilio call already placed through the test server's
 * configuration, as its row stands at `status`; its carrier id is `CA` and
 * its id without dashes.
 */
export async function existingTwilioCall(
  twilio: Awaited<ReturnType<typeof startTwilioTestServer>>,
  status: string,
): Promise<{ id: string; carrierCallId: string }> {
  const id = randomUUID();
  const carrierCallId = `CA${id.replace(/-/g, '')}`;
  const [configuration] = await twilio.t.database.sql<{ organization_id: string }[]>`
    select organization_id from telephony_configurations where id = ${twilio.configurationId}`;
  await twilio.t.database.sql`
    insert into calls (id, organization_id, configuration_id, provider, direction, from_address,
                       to_address, carrier_call_id, status)
    values (${id}, ${configuration!.organization_id}, ${twilio.configurationId}, 'twilio',
            'outbound', '+15551230001', '+15551230002', ${carrierCallId}, ${status})`;
  return { id, carrierCallId };
}

/** Lets the local Twilio take outbound calls. */
export function acceptTwilioCalls(carrier: CarrierApiServer): void {
  carrier.route('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    status: 201,
    json: { sid: CALL_SID, status: 'queued', to: '+15551230002', from: '+15551230001' },
  });
}

/** `seconds` of the committed espeak-ng recording, as Twilio sends it: 20 ms mu-law frames at 8 kHz. */
export function speechFrames(seconds = 1): Uint8Array[] {
  const wav = readWav(
    new Uint8Array(
      readFileSync(
        new URL('../../../examples/audio-pipeline/assets/speech-16k.wav', import.meta.url),
      ),
    ),
  );
  const narrow = createResampler({ from: wav.sampleRate, to: 8000 }).process(
    wav.samples.subarray(0, Math.round(wav.sampleRate * seconds)),
  );
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset + 160 <= narrow.length; offset += 160)
    frames.push(mulawEncode(narrow.subarray(offset, offset + 160)));
  return frames;
}

/** A webhook to the server, signed as Twilio signs it for the public URL. */
export function signedTwilioPost(t: TestServer, path: string, fields: Record<string, string>) {
  const signature = computeTwilioSignature(
    AUTH_TOKEN,
    `https://voice.example.com${path}`,
    Object.entries(fields),
  );
  return fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

export const twilioCallFields = {
  CallSid: CALL_SID,
  AccountSid: ACCOUNT_SID,
  From: '+15551230001',
  To: '+15551230002',
  CallStatus: 'in-progress',
  Direction: 'outbound-api',
};

/** Places a call to `agentId` through the API and answers it; returns the call and its local media URL. */
export async function placeAndAnswer(t: TestServer, agentId: string) {
  const configuration = await t.call('POST', '/api/v1/configurations', {
    name: `Twilio ${agentId}`,
    config: { provider: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  const placed = await t.call('POST', '/api/v1/calls', {
    configurationId: configuration.body.id,
    agentId,
    to: '+15551230002',
    from: '+15551230001',
  });
  expect(placed.status).toBe(201);
  const callId = placed.body.id as string;
  const answer = await signedTwilioPost(t, `/telephony/twilio/answer/${callId}`, twilioCallFields);
  expect(answer.status).toBe(200);
  const streamUrl = /<Stream url="([^"]+)"/.exec(await answer.text())?.[1];
  expect(streamUrl).toMatch(
    new RegExp(
      `^wss://voice\\.example\\.com/telephony/twilio/media/${callId}/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`,
    ),
  );
  return {
    callId,
    mediaUrl: streamUrl!.replace('wss://voice.example.com', t.server.url.replace('http', 'ws')),
  };
}

const sequence = (n: number) => ({ sequenceNumber: String(n), streamSid: 'MZ1' });

/** Twilio's connected and start messages. */
export const twilioStart = (callId: string) => [
  JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
  JSON.stringify({
    event: 'start',
    ...sequence(1),
    start: {
      streamSid: 'MZ1',
      accountSid: ACCOUNT_SID,
      callSid: CALL_SID,
      tracks: ['inbound'],
      customParameters: { patchbayCallId: callId },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  }),
];

export const twilioMedia = (frame: Uint8Array, n: number) =>
  JSON.stringify({
    event: 'media',
    ...sequence(n + 2),
    media: {
      track: 'inbound',
      chunk: String(n + 1),
      timestamp: String(n * 20),
      payload: Buffer.from(frame).toString('base64'),
    },
  });

export const twilioDtmf = (digit: string, n: number) =>
  JSON.stringify({ event: 'dtmf', ...sequence(n), dtmf: { track: 'inbound_track', digit } });

export const twilioStop = (n: number) =>
  JSON.stringify({
    event: 'stop',
    ...sequence(n),
    stop: { accountSid: ACCOUNT_SID, callSid: CALL_SID },
  });

export const isTwilioMedia = (message: unknown) =>
  typeof message === 'string' && message.includes('"event":"media"');

/** The media messages the server sent back on the stream. */
export function echoedMedia(received: readonly unknown[]) {
  return received
    .filter((message): message is string => typeof message === 'string')
    .map(
      (message) =>
        JSON.parse(message) as {
          event: string;
          streamSid?: string;
          media?: { payload: string };
          mark?: { name: string };
        },
    )
    .filter((message) => message.event === 'media');
}
