import { alawDecode, mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import { z } from 'zod';
import { decodeClientState } from './telnyx-client-state.js';

/** What Patchbay asks Telnyx to send back: PCMU 8 kHz, 20 ms frames, base64 in JSON text. */
export const TELNYX_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

const SOURCE = 'Telnyx media message';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DTMF_DIGIT = /^[0-9*#A-D]$/;

const message = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected') }),
  z.object({
    event: z.literal('start'),
    stream_id: z.string().min(1),
    start: z.object({
      call_control_id: z.string().min(1),
      client_state: z.string().nullish(),
      custom_parameters: z.record(z.string(), z.string()).nullish(),
      media_format: z.object({ encoding: z.string() }).partial().nullish(),
    }),
  }),
  z.object({
    event: z.literal('media'),
    media: z.object({ payload: z.string(), track: z.string().optional() }),
  }),
  z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string() }) }),
  z.object({ event: z.literal('mark'), mark: z.object({ name: z.string() }) }),
  z.object({ event: z.literal('error') }),
  z.object({ event: z.literal('clear') }),
  z.object({ event: z.literal('stop') }),
]);

/**
 * Speaks Telnyx's media streaming protocol ("Media Streaming over
 * Websockets", bidirectional RTP mode): `connected`, `start`, `media`, `dtmf`,
 * `mark`, `error`, `stop` in; `media` (PCMU), `clear`, `mark` out. The
 * incoming codec is whatever `start.media_format.encoding` says (PCMU or
 * PCMA); the host's custom parameters come back through `client_state`.
 */
export class TelnyxMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio = TELNYX_AUDIO;
  private decodeCodes: typeof mulawDecode = mulawDecode;
  private codes: Buffer = Buffer.alloc(320);
  private samples = new Int16Array(320);

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    if (typeof input !== 'string')
      throw new InvalidPayloadError(SOURCE, 'Telnyx sends text frames only');
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
        const encoding = (data.start.media_format?.encoding ?? 'PCMU').toUpperCase();
        if (encoding !== 'PCMU' && encoding !== 'PCMA')
          throw new InvalidPayloadError(SOURCE, `unsupported media encoding ${encoding}`);
        this.decodeCodes = encoding === 'PCMA' ? alawDecode : mulawDecode;
        emit({
          type: 'start',
          callId: data.start.call_control_id,
          streamId: data.stream_id,
          customParameters: {
            ...decodeClientState(data.start.client_state),
            ...(data.start.custom_parameters ?? {}),
          },
        });
        return;
      }
      case 'media':
        // Only the caller's audio is the agent's to hear.
        if (data.media.track === undefined || data.media.track === 'inbound') {
          emit({ type: 'audio', samples: this.decodePayload(data.media.payload) });
        }
        return;
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

  private decodePayload(payload: string): Int16Array {
    if (payload.length % 4 !== 0 || !BASE64.test(payload))
      throw new InvalidPayloadError(SOURCE, 'media payload is not whole base64');
    const byteLength = (payload.length / 4) * 3;
    if (this.codes.length < byteLength) {
      this.codes = Buffer.alloc(byteLength);
      this.samples = new Int16Array(byteLength);
    }
    const count = this.codes.write(payload, 0, 'base64');
    this.decodeCodes(this.codes.subarray(0, count), this.samples);
    return this.samples.subarray(0, count);
  }

  encodeAudio(samples: Int16Array): string {
    if (this.codes.length < samples.length) {
      this.codes = Buffer.alloc(samples.length);
      this.samples = new Int16Array(samples.length);
    }
    mulawEncode(samples, this.codes);
    return `{"event":"media","media":{"payload":"${this.codes.toString('base64', 0, samples.length)}"}}`;
  }

  encodeClear(): string {
    return '{"event":"clear"}';
  }

  encodeMark(name: string): string {
    return JSON.stringify({ event: 'mark', mark: { name } });
  }

  encodeHangUp(): undefined {
    return undefined;
  }
}
