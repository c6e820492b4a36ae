import { fileURLToPath } from 'node:url';
import { describeProviderContract, loadTranscript } from '@patchbay/testkit';
import { vobiz } from '../src/index.js';
import { HANGUP, INBOUND, statusCallback, vobizConfig, vobizForm } from './fixtures.js';

const transcript = loadTranscript(
  fileURLToPath(new URL('./__fixtures__/vobiz-media-call.jsonl', import.meta.url)),
);

describeProviderContract(vobiz(), {
  config: vobizConfig,
  signedWebhooks: [INBOUND, HANGUP],
  signatureHeaders: [
    'x-vobiz-signature-v3',
    'x-vobiz-signature-v3-nonce',
    'x-vobiz-signature-v2',
    'x-vobiz-signature-v2-nonce',
  ],
  // Vobiz signs the URL without its query, and the nonce: never the body.
  signatureCoversBody: false,
  signatureCoversQuery: false,
  signatureReplayProtected: true,
  statusCallbacks: [
    { request: statusCallback({ CallStatus: 'ringing', Event: 'Ring' }), expected: 'ringing' },
    { request: statusCallback({ Event: 'Ring' }), expected: 'ringing' },
    { request: statusCallback({ Event: 'StartApp' }), expected: 'in-progress' },
    { request: statusCallback({ CallStatus: 'in-progress' }), expected: 'in-progress' },
    {
      request: statusCallback({
        CallStatus: 'completed',
        Event: 'Hangup',
        Duration: '42',
        HangupCause: 'NORMAL_CLEARING',
      }),
      expected: 'completed',
    },
    { request: statusCallback({ Event: 'Hangup' }), expected: 'completed' },
    { request: statusCallback({ CallStatus: 'busy', HangupCause: 'USER_BUSY' }), expected: 'busy' },
    {
      request: statusCallback({ CallStatus: 'no-answer', HangupCause: 'NO_ANSWER' }),
      expected: 'no-answer',
    },
    { request: statusCallback({ CallStatus: 'timeout' }), expected: 'no-answer' },
    {
      request: statusCallback({ CallStatus: 'cancel', HangupCause: 'ORIGINATOR_CANCEL' }),
      expected: 'canceled',
    },
    {
      request: statusCallback({ CallStatus: 'failed', HangupCause: 'CALL_REJECTED' }),
      expected: 'failed',
    },
    { request: statusCallback({ Event: 'Transfer' }), expected: 'in-progress' },
  ],
  unknownStatusCallback: statusCallback({ CallStatus: 'teleported' }),
  inbound: {
    request: INBOUND,
    expected: {
      callId: '66666666-7777-8888-9999-000000000000',
      from: '+919876543210',
      to: '+918069000000',
      status: 'ringing',
    },
    foreign: [
      vobizForm('https://h/inbound', { CallSid: 'CA1', AccountSid: 'AC1' }),
      // Plivo's own signature headers are not Vobiz's.
      {
        ...INBOUND,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-plivo-signature-v3': 'abc',
          'x-plivo-signature-v3-nonce': '1',
        },
      },
      { ...INBOUND, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, // unsigned
    ],
  },
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark'] },
  malformed: {
    statusCallbacks: [statusCallback({ CallUUID: '', RequestUUID: '', CallStatus: 'completed' })],
    inbound: [{ ...INBOUND, body: 'CallUUID=u1&From=1555&To=1556&Direction=outbound' }],
    mediaMessages: [
      JSON.stringify({ event: 'media', media: { payload: 'abc' } }),
      JSON.stringify({ event: 'start', start: { callId: 'c' } }), // no stream id anywhere
      JSON.stringify({
        event: 'start',
        start: { callId: 'c', streamId: 's', mediaFormat: { encoding: 'audio/x-l16' } },
      }),
      JSON.stringify({ event: 'dtmf', dtmf: { digit: 'Z' } }),
      JSON.stringify({ event: 'connected' }),
    ],
  },
});
