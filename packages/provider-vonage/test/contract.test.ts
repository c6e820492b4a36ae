import { fileURLToPath } from 'node:url';
import { describeProviderContract, loadTranscript } from '@patchbay/testkit';
import { vonage } from '../src/index.js';
import { event, pinnedClock, V1_BODY, V1_TOKEN, vonageConfig, vonageRequest } from './fixtures.js';

const transcript = loadTranscript(
  fileURLToPath(new URL('./__fixtures__/vonage-media-call.jsonl', import.meta.url)),
);
const inbound = vonageRequest('https://voice.example.com/telephony/inbound', V1_BODY, V1_TOKEN);

describeProviderContract(vonage({ now: pinnedClock }), {
  config: vonageConfig,
  signedWebhooks: [inbound],
  signatureHeaders: ['authorization'],
  signatureCoversUrl: false,
  statusCallbacks: [
    { request: event('started'), expected: 'initiated' },
    { request: event('ringing'), expected: 'ringing' },
    { request: event('answered'), expected: 'in-progress' },
    { request: event('completed', { duration: '42' }), expected: 'completed' },
    { request: event('busy'), expected: 'busy' },
    { request: event('rejected'), expected: 'busy' },
    { request: event('timeout'), expected: 'no-answer' },
    { request: event('unanswered'), expected: 'no-answer' },
    { request: event('cancelled'), expected: 'canceled' },
    { request: event('failed', { detail: 'invalid_number' }), expected: 'failed' },
    { request: event('machine', { sub_state: 'beep_start' }), expected: 'in-progress' },
  ],
  unknownStatusCallback: event('teleported'),
  inbound: {
    request: inbound,
    expected: {
      callId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      from: '+15551230001',
      to: '+15551230002',
      accountId: 'vonage-api-key',
      status: 'in-progress',
    },
    foreign: [
      {
        method: 'POST',
        url: 'https://h/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
        body: 'CallSid=CA1',
      },
      {
        method: 'POST',
        url: 'https://h/inbound',
        headers: { 'content-type': 'application/json' },
        body: '{"data":{"record_type":"event","event_type":"call.initiated"}}',
      },
    ],
  },
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark'] },
  malformed: {
    statusCallbacks: [vonageRequest('https://h/events', '{"status":"answered"}')],
    inbound: [
      vonageRequest(
        'https://h/inbound',
        '{"uuid":"u","conversation_uuid":"c","from":"1555","to":"1556","direction":"outbound"}',
      ),
    ],
    mediaMessages: [
      new Uint8Array([1, 2, 3]),
      '{"event":"websocket:dtmf","digit":"x"}',
      '{"event":"websocket:teleport"}',
    ],
  },
});
