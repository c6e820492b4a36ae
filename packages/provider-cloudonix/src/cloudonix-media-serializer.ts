import { mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import { z } from 'zod';

/** Cloudonix media streams: Twilio-compatible JSON, mu-law 8 kHz, 20 ms frames. */
export const CLOUDONIX_AUDIO: WireAudioFormat = {
  encoding: 'mulaw',
  sampleRate: 8000,
  frameMs: 20,
};

const SOURCE = 'Cloudonix media message';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DTMF_DIGIT = /^[0-9*#A-D]$/;

const message = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected') }),
  z.object({
    event: z.literal('start'),
    start: z.looseObject({
      streamSid: z.string().min(1),
      callSid: z.string().min(1),
      session: z.string().optional(),
      customParameters: z.record(z.string(), z.string()).default({}),
    }),
  }),
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string() }) }),
  z.object({ event: z.literal('mark'), mark: z.object({ name: z.string() }) }),
  z.object({ event: z.literal('clear') }),
  z.object({ event: z.literal('stop') }),
]);

/**
 * Speaks Cloudonix's media stream ("CXML <Connect><Stream>"), which follows
 * Twilio's Media Streams messages. The call is identified by its session
 * token (`start.session`), which is what hang-up and transfers address.
 */
export class CloudonixMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio = CLOUDONIX_AUDIO;
  private streamSid = '';
  private codes: Buffer = Buffer.alloc(320);
  private samples = new Int16Array(320);

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    if (typeof input !== 'string')
      throw new InvalidPayloadError(SOURCE, 'Cloudonix sends text frames only');
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
      case 'start':
        this.streamSid = data.start.streamSid;
        emit({
          type: 'start',
          callId: data.start.session ?? data.start.callSid,
          streamId: data.start.streamSid,
          customParameters: data.start.customParameters,
        });
        return;
      case 'media': {
        const payload = data.media.payload;
        if (payload.length % 4 !== 0 || !BASE64.test(payload))
          throw new InvalidPayloadError(SOURCE, 'media payload is not whole base64');
        const byteLength = (payload.length / 4) * 3;
        if (this.codes.length < byteLength) {
          this.codes = Buffer.alloc(byteLength);
          this.samples = new Int16Array(byteLength);
        }
        const count = this.codes.write(payload, 0, 'base64');
        mulawDecode(this.codes.subarray(0, count), this.samples);
        emit({ type: 'audio', samples: this.samples.subarray(0, count) });
        return;
      }
      case 'dtmf':
        if (!DTMF_DIGIT.test(data.dtmf.digit))
          throw new InvalidPayloadError(SOURCE, `"${data.dtmf.digit}" is not a DTMF digit`);
        emit({ type: 'dtmf', digit: data.dtmf.digit });
        return;
      case 'mark':
        emit({ type: 'mark', name: data.mark.name });
        return;
      case 'stop':
        emit({ type: 'stop', reason: undefined });
        return;
      default:
        return;
    }
  }

  encodeAudio(samples: Int16Array): string {
    if (this.codes.length < samples.length) {
      this.codes = Buffer.alloc(samples.length);
      this.samples = new Int16Array(samples.length);
    }
    mulawEncode(samples, this.codes);
    return `{"event":"media","streamSid":${JSON.stringify(this.streamSid)},"media":{"payload":"${this.codes.toString('base64', 0, samples.length)}"}}`;
  }

  encodeClear(): string {
    return JSON.stringify({ event: 'clear', streamSid: this.streamSid });
  }

  /** Cloudonix documents no playback marks; the bridge keeps its own playout clock. */
  encodeMark(): undefined {
    return undefined;
  }

  encodeHangUp(): undefined {
    return undefined;
  }
}
