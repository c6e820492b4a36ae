import { mulawEncode } from '@patchbay/audio';
import type { WebhookRequestInit } from '@patchbay/core';
import { describeProviderContract } from '@patchbay/testkit';
import { threeCx } from '../src/index.js';
import { threeCxConfig } from './fixtures.js';

const event = (
  type: string,
  state: string,
  extra: Record<string, unknown> = {},
): WebhookRequestInit => ({
  method: 'POST',
  url: 'https://voice.example.com/telephony/three_cx/events',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    type,
    channel: {
      id: 'ch-1',
      state,
      caller: { number: '+390612345678' },
      dialplan: { exten: '12611' },
    },
    ...extra,
  }),
});

// What Asterisk's chan_websocket sends for a 3CX call: start, a second of mu-law, DTMF, a mark.
const transcript = [
  'MEDIA_START connection_id:abc channel:WebSocket/patchbay/ext-1 channel_id:patchbay-ext-ch-1 format:ulaw optimal_frame_size:160 ptime:20',
  ...Array.from({ length: 50 }, (_, n) =>
    mulawEncode(
      Int16Array.from({ length: 160 }, (_, i) => Math.round(5000 * Math.sin((n * 160 + i) / 9))),
    ),
  ),
  'DTMF_END digit:#',
  '{"event":"MEDIA_MARK_PROCESSED","channel_id":"patchbay-ext-ch-1","correlation_id":"greeting"}',
];

describeProviderContract(threeCx(), {
  config: threeCxConfig(),
  webhooks: false,
  statusCallbacks: [
    { request: event('ChannelStateChange', 'Ringing'), expected: 'ringing' },
    { request: event('StasisStart', 'Up'), expected: 'in-progress' },
    { request: event('ChannelDestroyed', 'Up', { cause: 16 }), expected: 'completed' },
    { request: event('ChannelDestroyed', 'Down', { cause: 17 }), expected: 'busy' },
    { request: event('ChannelDestroyed', 'Down', { cause: 18 }), expected: 'no-answer' },
  ],
  unknownStatusCallback: event('ChannelStateChange', 'Pre-ring'),
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark'] },
  malformed: { mediaMessages: ['DTMF_END digit:', 'MEDIA_START', '{"command":7}'] },
});
