import { mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import { z } from 'zod';
import { decodePlivoExtraHeaders } from './plivo-markup.js';

/** What Patchbay asks Plivo for: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const PLIVO_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

const SOURCE = 'Plivo stream message';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DTMF_DIGIT = /^[0-9*#A-D]$/;

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
  private streamId: string;
  private codes: Buffer = Buffer.alloc(320);
  private samples = new Int16Array(320);

  constructor(options: { streamId?: string } = {}) {
    this.streamId = options.streamId ?? '';
  }

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    if (typeof input !== 'string')
      throw new InvalidPayloadError(SOURCE, 'Plivo sends text frames only');
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new InvalidPayloadError(SOURCE, 'not JSON', { cause });
    }
    const parsed = message.safeParse(value);
    if (!parsed.success) {
      throw new InvalidPayloadError(
        SOURCE,
        parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; '),
      );
    }
    const data = parsed.data;
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
      case 'media':
      case 'playAudio':
        // Plivo sends an empty payload now and then; it carries no audio.
        if (data.media.payload !== '')
          emit({ type: 'audio', samples: this.decodePayload(data.media.payload) });
        return;
      case 'dtmf':
        if (!DTMF_DIGIT.test(data.dtmf.digit))
          throw new InvalidPayloadError(SOURCE, `"${data.dtmf.digit}" is not a DTMF digit`);
        emit({ type: 'dtmf', digit: data.dtmf.digit });
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

  private decodePayload(payload: string): Int16Array {
    if (payload.length % 4 !== 0 || !BASE64.test(payload)) {
      throw new InvalidPayloadError(SOURCE, 'media payload is not whole base64');
    }
    const byteLength = (payload.length / 4) * 3;
    if (this.codes.length < byteLength) {
      this.codes = Buffer.alloc(byteLength);
      this.samples = new Int16Array(byteLength);
    }
    const count = this.codes.write(payload, 0, 'base64');
    mulawDecode(this.codes.subarray(0, count), this.samples);
    return this.samples.subarray(0, count);
  }

  encodeAudio(samples: Int16Array): string {
    if (this.codes.length < samples.length) {
      this.codes = Buffer.alloc(samples.length);
      this.samples = new Int16Array(samples.length);
    }
    mulawEncode(samples, this.codes);
    const payload = this.codes.toString('base64', 0, samples.length);
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
