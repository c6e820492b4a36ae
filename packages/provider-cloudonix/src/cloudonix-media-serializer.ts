import type { MediaEvent, WireAudioFormat } from '@patchbay/core';
import { checkMediaMessage, dtmfEvent, JsonMediaSerializer } from '@patchbay/core/provider-utils';
import { z } from 'zod';

/** Cloudonix media streams: Twilio-compatible JSON, mu-law 8 kHz, 20 ms frames. */
export const CLOUDONIX_AUDIO: WireAudioFormat = {
  encoding: 'mulaw',
  sampleRate: 8000,
  frameMs: 20,
};

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
export class CloudonixMediaSerializer extends JsonMediaSerializer {
  private streamSid = '';
  /** Everything of a media message before its payload; built once per stream, not per frame. */
  private mediaPrefix = '';

  constructor() {
    super({ carrier: 'Cloudonix', audio: CLOUDONIX_AUDIO });
    this.setStream('');
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
          callId: data.start.session ?? data.start.callSid,
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
        return;
    }
  }

  encodeAudio(samples: Int16Array): string {
    return `${this.mediaPrefix}${this.codec.encode(samples)}"}}`;
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
