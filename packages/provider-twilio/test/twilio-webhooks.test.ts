import { createWebhookRequest, silentLogger } from '@patchbay/core';
import { describe, expect, it } from 'vitest';
import { TwilioMediaSerializer, twilio, twilioInbound } from '../src/index.js';
import { signedInbound, statusCallback, twilioConfig, twilioForm } from './fixtures.js';

const provider = twilio().create(twilioConfig, { logger: silentLogger });

describe('answer documents', () => {
  it('connects the call to a bidirectional stream with escaped attributes and parameters', async () => {
    const response = await provider.answerCall({
      callId: 'CA1',
      direction: 'inbound',
      from: '+15551239999',
      to: '+15551230002',
      mediaStreamUrl: 'wss://voice.example.com/telephony/twilio/media/c1/tok"en',
      statusCallbackUrl: 'https://voice.example.com/telephony/twilio/status?call=c1&x=1',
      customParameters: { agent: 'a<b>' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/xml');
    expect(response.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://voice.example.com/telephony/twilio/media/c1/tok&quot;en" statusCallback="https://voice.example.com/telephony/twilio/status?call=c1&amp;x=1" statusCallbackMethod="POST"><Parameter name="agent" value="a&lt;b&gt;"/></Stream></Connect></Response>',
    );
  });

  it('leaves the stream callback off outbound calls, which report through the call', async () => {
    const response = await provider.answerCall({
      callId: 'CA1',
      direction: 'outbound',
      from: '+1',
      to: '+2',
      mediaStreamUrl: 'wss://h/m',
      statusCallbackUrl: 'https://h/s',
      customParameters: {},
    });
    expect(response.body).not.toContain('statusCallback');
  });

  it('rejects inbound calls without answering them, busy at the concurrency limit', () => {
    expect(twilioInbound.reject('concurrency-limit').body).toContain('<Reject reason="busy"/>');
    expect(twilioInbound.reject('number-not-configured').body).toContain(
      '<Reject reason="rejected"/>',
    );
  });
});

describe('inbound recognition', () => {
  const bare = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    createWebhookRequest({
      method: 'POST',
      url: 'https://h/in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });

  it('knows Twilio by its headers or by its form', () => {
    expect(twilioInbound.matches(bare({}, { 'user-agent': 'TwilioProxy/1.1' }))).toBe(true);
    expect(twilioInbound.matches(bare({}, { 'i-twilio-idempotency-token': 'x' }))).toBe(true);
    expect(
      twilioInbound.matches(bare({ CallSid: 'CA1', AccountSid: 'AC1', ApiVersion: '2010-04-01' })),
    ).toBe(true);
    expect(
      twilioInbound.matches(
        bare({ CallSid: 'CA1', AccountSid: 'AC1.x', ApiVersion: '2010-04-01' }),
      ),
    ).toBe(false);
    expect(twilioInbound.matches(bare({ CallUUID: 'u' }, { 'x-plivo-signature-v3': 'x' }))).toBe(
      false,
    );
  });

  it('keeps SIP, client and anonymous callers as addresses', () => {
    const call = twilioInbound.parse(
      createWebhookRequest({
        ...signedInbound,
        body: 'CallSid=CA9&AccountSid=AC1&From=sip%3ABob%40PBX.example.com&To=client%3AAgent&Direction=inbound',
      }),
    );
    expect(call).toMatchObject({ from: 'sip:Bob@pbx.example.com', to: 'client:agent' });
    const anonymous = twilioInbound.parse(
      createWebhookRequest({
        ...signedInbound,
        body: 'CallSid=CA9&AccountSid=AC1&From=Anonymous&To=%2B15551230002',
      }),
    );
    expect(anonymous.from).toBe('anonymous');
  });
});

describe('status callbacks', () => {
  it('carries duration, direction, time, SIP code and an AMD verdict', () => {
    const update = provider.parseStatusCallback(
      createWebhookRequest(
        statusCallback('completed', {
          CallDuration: '42',
          Timestamp: 'Sat, 21 Nov 2026 10:00:42 +0000',
          SipResponseCode: '200',
          AnsweredBy: 'machine_end_beep',
        }),
      ),
    );
    expect(update).toMatchObject({
      callId: 'CA00000000000000000000000000000009',
      status: 'completed',
      durationSeconds: 42,
      direction: 'outbound',
      occurredAt: '2026-11-21T10:00:42.000Z',
      reason: '200',
      answeringMachine: {
        answeredBy: 'machine',
        greeting: 'ended',
        carrierLabel: 'machine_end_beep',
      },
    });
    expect(
      provider.parseAnsweringMachineResult(
        createWebhookRequest(statusCallback('in-progress', { AnsweredBy: 'human' })),
      ),
    ).toEqual({
      callId: 'CA00000000000000000000000000000009',
      answeredBy: 'human',
      carrierLabel: 'human',
    });
    expect(
      provider.parseAnsweringMachineResult(
        createWebhookRequest(statusCallback('in-progress', { AnsweredBy: 'machine_start' })),
      ),
    ).toMatchObject({ answeredBy: 'machine', greeting: 'started' });
  });

  it('treats a stream’s start and stop as no change to the call', () => {
    const stopped = provider.parseStatusCallback(
      createWebhookRequest(
        twilioForm('https://h/s', {
          CallSid: 'CA1',
          StreamSid: 'MZ1',
          StreamEvent: 'stream-stopped',
        }),
      ),
    );
    expect(stopped).toMatchObject({
      status: 'in-progress',
      carrierStatus: 'stream:stream-stopped',
      metadata: { streamEvent: 'stream-stopped', streamSid: 'MZ1' },
    });
  });
});

describe('Twilio media serializer', () => {
  it('addresses outbound messages to the stream it learned from start', () => {
    const serializer = new TwilioMediaSerializer();
    serializer.decode(
      JSON.stringify({
        event: 'start',
        start: { streamSid: 'MZ7', callSid: 'CA7', customParameters: {} },
      }),
      () => {},
    );
    const media = JSON.parse(serializer.encodeAudio(new Int16Array(160)));
    expect(media).toEqual({
      event: 'media',
      streamSid: 'MZ7',
      media: { payload: Buffer.alloc(160, 0xff).toString('base64') },
    });
    expect(JSON.parse(serializer.encodeClear())).toEqual({ event: 'clear', streamSid: 'MZ7' });
    expect(JSON.parse(serializer.encodeMark('m1'))).toEqual({
      event: 'mark',
      streamSid: 'MZ7',
      mark: { name: 'm1' },
    });
    expect(serializer.encodeHangUp()).toBeUndefined();
  });

  it('decodes every media frame into the same reused buffer', () => {
    const serializer = new TwilioMediaSerializer();
    const seen: Int16Array[] = [];
    const frame = JSON.stringify({
      event: 'media',
      media: { payload: Buffer.alloc(160, 0x80).toString('base64') },
    });
    serializer.decode(frame, (e) => e.type === 'audio' && seen.push(e.samples));
    serializer.decode(frame, (e) => e.type === 'audio' && seen.push(e.samples));
    expect(seen[0]!.length).toBe(160);
    expect(seen[0]!.buffer).toBe(seen[1]!.buffer);
    expect(seen[0]![0]).toBe(32124); // mu-law 0x80: the largest positive step
  });
});
