import { fileURLToPath } from 'node:url';
import { describeProviderContract, loadTranscript } from '@patchbay/testkit';
import { plivo } from '../src/index.js';
import { hangupCallback, P1, P2, P3, plivoConfig, plivoForm } from './fixtures.js';

const transcript = loadTranscript(
  fileURLToPath(new URL('./__fixtures__/plivo-media-call.jsonl', import.meta.url)),
);

describeProviderContract(plivo(), {
  config: plivoConfig,
  signedWebhooks: [P1, P2, P3],
  signatureHeaders: ['x-plivo-signature-v3', 'x-plivo-signature-v3-nonce'],
  statusCallbacks: [
    { request: hangupCallback({ CallStatus: 'ringing', Event: 'Ring' }), expected: 'ringing' },
    { request: hangupCallback({ Event: 'Ring' }), expected: 'ringing' },
    { request: hangupCallback({ CallStatus: 'in-progress' }), expected: 'in-progress' },
    {
      request: hangupCallback({
        CallStatus: 'completed',
        Event: 'Hangup',
        Duration: '42',
        HangupCause: 'NORMAL_CLEARING',
      }),
      expected: 'completed',
    },
    { request: hangupCallback({ Event: 'Hangup' }), expected: 'completed' },
    { request: hangupCallback({ CallStatus: 'busy', HangupCause: 'USER_BUSY' }), expected: 'busy' },
    {
      request: hangupCallback({ CallStatus: 'no-answer', HangupCause: 'NO_ANSWER' }),
      expected: 'no-answer',
    },
    { request: hangupCallback({ CallStatus: 'timeout' }), expected: 'no-answer' },
    {
      request: hangupCallback({ CallStatus: 'cancel', HangupCause: 'ORIGINATOR_CANCEL' }),
      expected: 'canceled',
    },
    {
      request: hangupCallback({ CallStatus: 'failed', HangupCause: 'CALL_REJECTED' }),
      expected: 'failed',
    },
    { request: hangupCallback({ Event: 'StartStream' }), expected: 'in-progress' },
    { request: hangupCallback({ Event: 'StopStream' }), expected: 'in-progress' },
  ],
  unknownStatusCallback: hangupCallback({ CallStatus: 'teleported' }),
  inbound: {
    request: P3,
    expected: {
      callId: '66666666-7777-8888-9999-000000000000',
      from: '+15551239999',
      to: '+15551230002',
      status: 'ringing',
    },
    foreign: [
      plivoForm('https://h/inbound', {
        CallSid: 'CA1',
        AccountSid: 'AC1',
        ApiVersion: '2010-04-01',
      }),
      { ...P3, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, // unsigned
    ],
  },
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark'] },
  malformed: {
    statusCallbacks: [hangupCallback({ CallUUID: '', RequestUUID: '', CallStatus: 'completed' })],
    inbound: [{ ...P3, body: 'CallUUID=u1&From=1555&To=1556&Direction=outbound' }],
    mediaMessages: [
      JSON.stringify({ event: 'media', media: { payload: 'abc' } }),
      JSON.stringify({ event: 'start', start: { callId: 'c' } }), // no stream id anywhere
      JSON.stringify({ event: 'dtmf', dtmf: { digit: 'Z' } }),
      JSON.stringify({ event: 'connected' }),
    ],
  },
});
