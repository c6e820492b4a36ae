import type { MediaEvent, WireAudioFormat } from '@patchbay/core';
import { checkMediaMessage, dtmfEvent, JsonMediaSerializer } from '@patchbay/core/provider-utils';
import { z } from 'zod';

/** Twilio Media Streams: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const TWILIO_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

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
export class TwilioMediaSerializer extends JsonMediaSerializer {
  private streamSid = '';
  /** Everything of a media message before its payload; built once per stream, not per frame. */
  private mediaPrefix = '';

  constructor(options: { streamId?: string } = {}) {
    super({ carrier: 'Twilio', audio: TWILIO_AUDIO });
    this.setStream(options.streamId ?? '');
  }

  private setStream(streamSid: string): void {
    this.streamSid = streamSid;
    this.mediaPrefix = `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"`;
  }

  protected decodeControl(value: unknown, emit: (event: MediaEvent) => void): void {
    const data = checkMediaMessage(message, value, this.source);
    switch (data.event) {
      case 'start':
        this.setStream(data.start.streamSid);
        emit({
          type: 'start',
          callId: data.start.callSid,
          streamId: data.start.streamSid,
          customParameters: data.start.customParameters,
        });
        return;
      case 'dtmf':
        emit(dtmfEvent(data.dtmf.digit, this.source));
        return;
      case 'mark':
        emit({ type: 'mark', name: data.mark.name });
        return;
      case 'stop':
        emit({ type: 'stop', reason: undefined });
        return;
      default:
        // connected: nothing to do; media never gets here.
        return;
    }
  }

  encodeAudio(samples: Int16Array): string {
    return `${this.mediaPrefix}${this.codec.encode(samples)}"}}`;
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
