import { fileURLToPath } from 'node:url';
import { describeProviderContract, loadTranscript } from '@patchbay/testkit';
import { twilio } from '../src/index.js';
import {
  signedAnswer,
  signedInbound,
  signedStatusCallback,
  statusCallback,
  twilioConfig,
} from './fixtures.js';

const transcript = loadTranscript(
  fileURLToPath(new URL('./__fixtures__/twilio-media-call.jsonl', import.meta.url)),
);

describeProviderContract(twilio(), {
  config: twilioConfig,
  signedWebhooks: [signedStatusCallback, signedInbound, signedAnswer],
  signatureHeaders: ['x-twilio-signature'],
  statusCallbacks: [
    { request: statusCallback('queued'), expected: 'queued' },
    { request: statusCallback('initiated'), expected: 'initiated' },
    { request: statusCallback('ringing'), expected: 'ringing' },
    { request: statusCallback('in-progress'), expected: 'in-progress' },
    { request: statusCallback('completed', { CallDuration: '42' }), expected: 'completed' },
    { request: statusCallback('busy'), expected: 'busy' },
    { request: statusCallback('no-answer'), expected: 'no-answer' },
    { request: statusCallback('canceled'), expected: 'canceled' },
    { request: statusCallback('failed', { SipResponseCode: '404' }), expected: 'failed' },
  ],
  unknownStatusCallback: statusCallback('teleported'),
  inbound: {
    request: signedInbound,
    expected: {
      callId: 'CA00000000000000000000000000000002',
      from: '+15551239999',
      to: '+15551230002',
      accountId: 'AC00000000000000000000000000000001',
      status: 'ringing',
      toCountry: 'US',
    },
    foreign: [
      // Cloudonix's Twilio-compatible form: its AccountSid has a dot.
      {
        method: 'POST',
        url: 'https://h/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'CallSid=c1&AccountSid=AC123.cloudonix&ApiVersion=2010-04-01',
      },
      {
        method: 'POST',
        url: 'https://h/inbound',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-plivo-signature-v3': 'x',
        },
        body: 'CallUUID=u1',
      },
    ],
  },
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark', 'stop'] },
  malformed: {
    statusCallbacks: [statusCallback('completed', { CallSid: '' })],
    inbound: [
      signedInbound.body
        ? {
            ...signedInbound,
            body: 'CallSid=CA1&Direction=outbound-api&From=%2B1555&To=%2B1555&AccountSid=AC1',
          }
        : signedInbound,
    ],
    mediaMessages: [
      JSON.stringify({ event: 'media', media: { payload: 'abc' } }), // truncated base64
      JSON.stringify({ event: 'media', media: { payload: '!!!!' } }),
      JSON.stringify({ event: 'start', start: { streamSid: 'MZ1' } }), // no callSid
      JSON.stringify({ event: 'dtmf', dtmf: { digit: 'Z' } }),
      JSON.stringify({ event: 'transcribe' }),
      new Uint8Array([1, 2, 3]),
    ],
  },
});
