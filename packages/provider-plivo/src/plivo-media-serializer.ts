import {
  Base64G711Codec,
  type CarrierMessage,
  checkMediaMessage,
  dtmfEvent,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  mediaPayloadOf,
  readJsonMediaMessage,
  type WireAudioFormat,
} from '@patchbay/core';
import { z } from 'zod';
import { decodePlivoExtraHeaders } from './plivo-markup.js';

/** What Patchbay asks Plivo for: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const PLIVO_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

const SOURCE = 'Plivo stream message';

const extraHeaders = z.union([z.string(), z.record(z.string(), z.unknown())]).optional();
const message = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('start'),
    streamId: z.string().optional(),
    start: z.object({ callId: z.string(), streamId: z.string().optional() }),
    extra_headers: extraHeaders,
  }),
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string() }) }),
  // What Patchbay itself sends; read back so a simulator or a test can decode it.
  z.object({ event: z.literal('playAudio'), media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string() }) }),
  z.object({ event: z.literal('playedStream'), name: z.string() }),
  z.object({ event: z.literal('clearedAudio') }),
  z.object({ event: z.literal('checkpoint') }),
  z.object({ event: z.literal('clearAudio') }),
  z.object({ event: z.literal('stop') }),
]);

/**
 * Speaks Plivo's audio stream protocol ("Audio Streaming – Stream Event
 * Protocol"): `start`, `media`, `dtmf`, `playedStream` (a checkpoint was
 * played), `clearedAudio` in; `playAudio`, `checkpoint`, `clearAudio` out.
 * Plivo has no socket message for hanging up: end the call over REST.
 */
export class PlivoMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio = PLIVO_AUDIO;
  /** A media frame is about 300 bytes of JSON, a start message a few KiB at most. */
  readonly maxMessageBytes = 16 * 1024;
  private streamId: string;
  private readonly codec = new Base64G711Codec(SOURCE);

  constructor(options: { streamId?: string } = {}) {
    this.streamId = options.streamId ?? '';
  }

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    const value = readJsonMediaMessage(input, SOURCE, 'Plivo');
    const media = mediaPayloadOf(value);
    if (media) {
      // Plivo sends an empty payload now and then; it carries no audio.
      if (media.payload !== '') emit({ type: 'audio', samples: this.codec.decode(media.payload) });
      return;
    }
    const data = checkMediaMessage(message, value, SOURCE);
    switch (data.event) {
      case 'start': {
        const streamId = data.start.streamId ?? data.streamId;
        if (!streamId) throw new InvalidPayloadError(SOURCE, 'start has no streamId');
        this.streamId = streamId;
        emit({
          type: 'start',
          callId: data.start.callId,
          streamId,
          customParameters: decodePlivoExtraHeaders(data.extra_headers),
        });
        return;
      }
      case 'playAudio':
        // Plivo sends an empty payload now and then; it carries no audio.
        if (data.media.payload !== '')
          emit({ type: 'audio', samples: this.codec.decode(data.media.payload) });
        return;
      case 'dtmf':
        emit(dtmfEvent(data.dtmf.digit, SOURCE));
        return;
      case 'playedStream':
        emit({ type: 'mark', name: data.name });
        return;
      case 'stop':
        emit({ type: 'stop', reason: undefined });
        return;
      default:
        // clearedAudio acknowledges a clear; checkpoint and clearAudio are our own echoes.
        return;
    }
  }

  encodeAudio(samples: Int16Array): string {
    const payload = this.codec.encode(samples);
    return `{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"${payload}"}}`;
  }

  encodeClear(): string {
    return JSON.stringify({ event: 'clearAudio', streamId: this.streamId });
  }

  encodeMark(name: string): string {
    return JSON.stringify({ event: 'checkpoint', streamId: this.streamId, name });
  }

  encodeHangUp(): undefined {
    return undefined;
  }
}
