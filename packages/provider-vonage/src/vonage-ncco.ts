import { InvalidPayloadError } from '@patchbay/core';

/** The NCCO action that connects the call to a WebSocket carrying 16-bit linear PCM ("NCCO reference", connect). */
export function websocketNcco(options: {
  readonly mediaStreamUrl: string;
  readonly eventUrl?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly sampleRate: 8000 | 16000;
}): unknown[] {
  // Vonage passes these headers in the socket's first message, at most 512 bytes.
  if (JSON.stringify(options.headers).length > 512) {
    throw new InvalidPayloadError(
      'Vonage websocket headers',
      'they exceed the 512 bytes Vonage allows',
    );
  }
  return [
    {
      action: 'connect',
      ...(options.eventUrl ? { eventUrl: [options.eventUrl], eventMethod: 'POST' } : {}),
      endpoint: [
        {
          type: 'websocket',
          uri: options.mediaStreamUrl,
          'content-type': `audio/l16;rate=${options.sampleRate}`,
          headers: options.headers,
        },
      ],
    },
  ];
}

/**
 * A polite refusal in real NCCO actions: a `talk` and nothing after it, which
 * ends the call. The words say nothing about the host's configuration.
 */
export function refusalNcco(busy: boolean): unknown[] {
  return [
    {
      action: 'talk',
      text: busy
        ? 'All our lines are busy. Please call again later.'
        : 'Sorry, this number cannot take your call right now.',
    },
  ];
}
