import { mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import { z } from 'zod';

/** Twilio Media Streams: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const TWILIO_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

const SOURCE = 'Twilio media message';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DTMF_DIGIT = /^[0-9*#A-D]$/;

// Lenient schemas (Twilio adds fields over time); only what we use is required.
const message = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected') }),
  z.object({
    event: z.literal('start'),
    streamSid: z.string().optional(),
    start: z.object({
      streamSid: z.string(),
      callSid: z.string(),
      customParameters: z.record(z.string(), z.string()).default({}),
    }),
  }),
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string() }) }),
  z.object({ event: z.literal('mark'), mark: z.object({ name: z.string() }) }),
  z.object({ event: z.literal('stop') }),
]);

/**
 * Speaks Twilio's Media Streams dialect ("Media Streams – WebSocket
 * Messages"): `connected`, `start`, `media`, `dtmf`, `mark`, `stop` in;
 * `media`, `mark`, `clear` out. Outbound messages need the stream's SID,
 * learned from `start`. Twilio has no media-socket hang-up: end the call over
 * REST (`TelephonyProvider.hangUp`).
 */
export class TwilioMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio = TWILIO_AUDIO;
  private streamSid: string;
  private codes: Buffer = Buffer.alloc(320);
  private samples = new Int16Array(320);

  constructor(options: { streamId?: string } = {}) {
    this.streamSid = options.streamId ?? '';
  }

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    if (typeof input !== 'string') {
      throw new InvalidPayloadError(SOURCE, 'Twilio sends text frames only');
    }
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
      case 'connected':
        return;
      case 'start':
        this.streamSid = data.start.streamSid;
        emit({
          type: 'start',
          callId: data.start.callSid,
          streamId: data.start.streamSid,
          customParameters: data.start.customParameters,
        });
        return;
      case 'media':
        emit({ type: 'audio', samples: this.decodePayload(data.media.payload) });
        return;
      case 'dtmf':
        if (!DTMF_DIGIT.test(data.dtmf.digit)) {
          throw new InvalidPayloadError(SOURCE, `"${data.dtmf.digit}" is not a DTMF digit`);
        }
        emit({ type: 'dtmf', digit: data.dtmf.digit });
        return;
      case 'mark':
        emit({ type: 'mark', name: data.mark.name });
        return;
      case 'stop':
        emit({ type: 'stop', reason: undefined });
    }
  }

  /** Base64 straight into a reused buffer, then mu-law into reused samples: no allocation per frame. */
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
    return `{"event":"media","streamSid":${JSON.stringify(this.streamSid)},"media":{"payload":"${payload}"}}`;
  }

  encodeClear(): string {
    return JSON.stringify({ event: 'clear', streamSid: this.streamSid });
  }

  encodeMark(name: string): string {
    return JSON.stringify({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  encodeHangUp(): undefined {
    return undefined;
  }
}
