import { fileURLToPath } from 'node:url';
import { describeProviderContract, loadTranscript } from '@patchbay/testkit';
import { telnyx } from '../src/index.js';
import {
  callEvent,
  KAT_T1_BODY,
  pinnedClock,
  signedTelnyx,
  telnyxConfig,
  telnyxRequest,
} from './fixtures.js';

const transcript = loadTranscript(
  fileURLToPath(new URL('./__fixtures__/telnyx-media-call.jsonl', import.meta.url)),
);
const inbound = signedTelnyx(KAT_T1_BODY);

describeProviderContract(telnyx({ now: pinnedClock }), {
  config: telnyxConfig,
  signedWebhooks: [
    inbound,
    signedTelnyx(callEvent('call.hangup', { hangup_cause: 'normal_clearing' }).body as string),
  ],
  signatureHeaders: ['telnyx-signature-ed25519', 'telnyx-timestamp'],
  signatureCoversUrl: false,
  statusCallbacks: [
    { request: callEvent('call.initiated'), expected: 'initiated' },
    { request: callEvent('call.answered'), expected: 'in-progress' },
    { request: callEvent('call.bridged'), expected: 'in-progress' },
    { request: callEvent('streaming_started'), expected: 'in-progress' },
    {
      request: callEvent('call.hangup', {
        hangup_cause: 'normal_clearing',
        start_time: '2026-11-21T10:00:00Z',
        end_time: '2026-11-21T10:00:42Z',
      }),
      expected: 'completed',
    },
    { request: callEvent('call.hangup', { hangup_cause: 'user_busy' }), expected: 'busy' },
    { request: callEvent('call.hangup', { hangup_cause: 'no_answer' }), expected: 'no-answer' },
    { request: callEvent('call.hangup', { hangup_cause: 'timeout' }), expected: 'no-answer' },
    {
      request: callEvent('call.hangup', { hangup_cause: 'originator_cancel' }),
      expected: 'canceled',
    },
    { request: callEvent('call.hangup', { hangup_cause: 'call_rejected' }), expected: 'failed' },
    { request: callEvent('call.hangup', { hangup_cause: 'not_found' }), expected: 'failed' },
    {
      request: callEvent('call.machine.detection.ended', { result: 'machine' }),
      expected: 'in-progress',
    },
  ],
  unknownStatusCallback: callEvent('call.teleported'),
  inbound: {
    request: inbound,
    expected: {
      callId: 'v3:kat-call-control-id',
      from: '+15551230001',
      to: '+15551230002',
      accountId: '1234567890',
      status: 'ringing',
    },
    foreign: [
      telnyxRequest(
        '{"data":{"record_type":"event","event_type":"message.received","payload":{}}}',
      ),
      {
        method: 'POST',
        url: 'https://h/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
        body: 'CallSid=CA1',
      },
    ],
  },
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark', 'stop'] },
  malformed: {
    statusCallbacks: [telnyxRequest('{"data":{"event_type":"call.answered","payload":{}}}')],
    inbound: [
      signedTelnyx(KAT_T1_BODY.replace('"call.initiated"', '"call.hangup"')),
      signedTelnyx(KAT_T1_BODY.replace('"incoming"', '"outgoing"')),
    ],
    mediaMessages: [
      JSON.stringify({
        event: 'start',
        stream_id: 's',
        start: { call_control_id: 'c', media_format: { encoding: 'OPUS' } },
      }),
      JSON.stringify({ event: 'start', start: { call_control_id: 'c' } }),
      JSON.stringify({ event: 'media', media: { payload: 'abc' } }),
      JSON.stringify({ event: 'dtmf', dtmf: { digit: 'Z' } }),
    ],
  },
});
