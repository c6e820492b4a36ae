/**
 * The contract suite run against the example carrier core's tests use, with
 * fixtures built the way a real carrier package records its own.
 */
import { mulawEncode } from '@patchbay/audio';
import type { WebhookRequestInit } from '@patchbay/core';
import { ACME_TEST_CONFIG, acme, signAcme } from '../../core/test/example-provider.js';
import { describeProviderContract } from '../src/index.js';

const config = ACME_TEST_CONFIG;

function signed(url: string, body: unknown): WebhookRequestInit {
  const text = JSON.stringify(body);
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      'x-acme-signature': signAcme(config.signing_secret, url, text),
      'user-agent': 'Acme-Webhooks/1.0',
    },
    body: text,
  };
}

const statusUrl = 'https://voice.example.com/telephony/acme/status';
const status = (value: string) =>
  signed(statusUrl, { call_id: 'call-1', status: value, duration: 12 });
const frame = (n: number) =>
  Buffer.from(
    mulawEncode(
      Int16Array.from({ length: 160 }, (_, i) => Math.round(5000 * Math.sin((n * 160 + i) / 5))),
    ),
  ).toString('base64');

describeProviderContract(acme(), {
  config,
  signedWebhooks: [
    status('ringing'),
    signed('https://voice.example.com/telephony/inbound?x=1', {
      event: 'call.incoming',
      call_id: 'c',
      from: '1',
      to: '2',
      account_id: 'AC-1',
    }),
  ],
  signatureHeaders: ['x-acme-signature'],
  statusCallbacks: [
    { request: status('queued'), expected: 'queued' },
    { request: status('dialing'), expected: 'initiated' },
    { request: status('ringing'), expected: 'ringing' },
    { request: status('answered'), expected: 'in-progress' },
    { request: status('ended'), expected: 'completed' },
    { request: status('busy'), expected: 'busy' },
    { request: status('no_answer'), expected: 'no-answer' },
    { request: status('failed'), expected: 'failed' },
    { request: status('cancelled'), expected: 'canceled' },
  ],
  unknownStatusCallback: status('teleported'),
  inbound: {
    request: signed('https://voice.example.com/telephony/inbound', {
      event: 'call.incoming',
      call_id: 'in-1',
      from: '14155550100',
      to: '14155550199',
      account_id: 'AC-1',
    }),
    expected: { callId: 'in-1', from: '+14155550100', to: '+14155550199', accountId: 'AC-1' },
    foreign: [
      {
        method: 'POST',
        url: 'https://voice.example.com/telephony/inbound',
        headers: {
          'user-agent': 'TwilioProxy/1.1',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'CallSid=CA1',
      },
    ],
  },
  media: {
    transcript: [
      JSON.stringify({
        event: 'start',
        call_id: 'in-1',
        stream_id: 's-1',
        params: { agent: 'echo' },
      }),
      ...Array.from({ length: 5 }, (_, n) => JSON.stringify({ event: 'audio', payload: frame(n) })),
      JSON.stringify({ event: 'dtmf', digit: '7' }),
      JSON.stringify({ event: 'mark', name: 'greeting' }),
      JSON.stringify({ event: 'stop' }),
    ],
    expectedEvents: ['start', 'audio', 'dtmf', 'mark', 'stop'],
  },
  malformed: {
    mediaMessages: [
      JSON.stringify({ event: 'dtmf', digit: '12' }),
      JSON.stringify({ event: 'audio' }),
    ],
  },
});
