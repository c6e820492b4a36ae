import { mulawEncode } from '@patchbay/audio';
import type { WebhookRequestInit } from '@patchbay/core';
import { describeProviderContract } from '@patchbay/testkit';
import { ari } from '../src/index.js';
import { ariConfig } from './fixtures.js';

const event = (
  type: string,
  state: string,
  extra: Record<string, unknown> = {},
): WebhookRequestInit => ({
  method: 'POST',
  url: 'https://voice.example.com/telephony/ari/events',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    type,
    channel: { id: 'ch-1', state, caller: { number: '+15551239999' }, dialplan: { exten: '6001' } },
    ...extra,
  }),
});

// chan_websocket: the start message, 25 frames of mu-law, a DTMF and a processed mark.
const transcript = [
  'MEDIA_START connection_id:abc channel:WebSocket/patchbay/ext-1 channel_id:patchbay-ext-ch-1 format:ulaw optimal_frame_size:160 ptime:20',
  ...Array.from({ length: 25 }, (_, n) =>
    mulawEncode(
      Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin((n * 160 + i) / 6))),
    ),
  ),
  'DTMF_END digit:5',
  'MEDIA_XOFF',
  '{"event":"MEDIA_MARK_PROCESSED","channel_id":"patchbay-ext-ch-1","correlation_id":"greeting"}',
];

describeProviderContract(ari(), {
  config: ariConfig('http://127.0.0.1:8088'),
  webhooks: false,
  statusCallbacks: [
    { request: event('ChannelStateChange', 'Ringing'), expected: 'ringing' },
    { request: event('StasisStart', 'Up'), expected: 'in-progress' },
    { request: event('ChannelStateChange', 'Busy'), expected: 'busy' },
    { request: event('ChannelDestroyed', 'Up', { cause: 16 }), expected: 'completed' },
    { request: event('ChannelDestroyed', 'Down', { cause: 17 }), expected: 'busy' },
    { request: event('ChannelDestroyed', 'Down', { cause: 19 }), expected: 'no-answer' },
    { request: event('ChannelDestroyed', 'Down', { cause: 21 }), expected: 'failed' },
  ],
  unknownStatusCallback: event('ChannelStateChange', 'Pre-ring'),
  media: { transcript, expectedEvents: ['start', 'audio', 'dtmf', 'mark'] },
  malformed: { mediaMessages: ['DTMF_END digit:xx', 'not a control message', '{"event":'] },
});
