import { fileURLToPath } from 'node:url';
import { describeProviderContract, loadTranscript } from '@patchbay/testkit';
import { cloudonix } from '../src/index.js';
import { cdr, cloudonixConfig, cloudonixRequest, inboundRequest } from './fixtures.js';

const transcript = loadTranscript(
  fileURLToPath(new URL('./__fixtures__/cloudonix-media-call.jsonl', import.meta.url)),
);

describeProviderContract(cloudonix(), {
  config: cloudonixConfig,
  signedWebhooks: [inboundRequest, cdr('ANSWER')],
  signatureHeaders: ['x-cx-apikey'],
  signatureCoversUrl: false,
  signatureCoversBody: false,
  statusCallbacks: [
    { request: cdr('ANSWER'), expected: 'completed' },
    { request: cdr('BUSY'), expected: 'busy' },
    { request: cdr('CANCEL'), expected: 'canceled' },
    { request: cdr('FAILED'), expected: 'failed' },
    { request: cdr('CONGESTION'), expected: 'failed' },
    { request: cdr('NOANSWER', { billsec: 0 }), expected: 'no-answer' },
    {
      request: cloudonixRequest('https://h/status', { token: 'sess-9', status: 'ringing' }),
      expected: 'ringing',
    },
    {
      request: cloudonixRequest('https://h/status', { token: 'sess-9', status: 'answered' }),
      expected: 'in-progress',
    },
  ],
  unknownStatusCallback: cdr('TELEPORTED'),
  inbound: {
    request: inboundRequest,
    expected: {
      callId: 'sess-0123456789',
      from: '+15551239999',
      to: '+15551230002',
      accountId: 'acme.cloudonix.net',
      status: 'ringing',
    },
    foreign: [
      {
        method: 'POST',
        url: 'https://h/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'CallSid=CA1&AccountSid=AC1&ApiVersion=2010-04-01',
      },
    ],
  },
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'stop'] },
  malformed: {
    statusCallbacks: [
      cloudonixRequest('https://h/cdr', { domain: 'acme.cloudonix.net', disposition: 'ANSWER' }),
    ],
    inbound: [
      cloudonixRequest('https://h/inbound', {
        Session: 's',
        From: '1',
        To: '2',
        Direction: 'outbound-api',
        Domain: 'acme.cloudonix.net',
      }),
    ],
    mediaMessages: [
      '{"event":"start","start":{"streamSid":"MZ1"}}',
      '{"event":"media","media":{"payload":"abc"}}',
    ],
  },
});
