import {
  type CarrierMessage,
  type MediaEvent,
  type MediaSerializer,
  toCarrierMessage,
  type WireAudioFormat,
} from '@patchbay/core';
import {
  Base64G711Codec,
  checkMediaMessage,
  dtmfEvent,
  JsonMediaReader,
  mediaPayloadOf,
  readJsonMediaMessage,
} from '@patchbay/core/provider-utils';
import { z } from 'zod';

/** Twilio Media Streams: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const TWILIO_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

const SOURCE = 'Twilio media message';
const textOf = (utf8: Uint8Array) => toCarrierMessage(utf8, false);

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
  /** A media frame is about 300 bytes of JSON; a start message with its custom parameters a few KiB. */
  readonly maxMessageBytes = 16 * 1024;
  private streamSid = '';
  /** Everything of a media message before its payload; built once per stream, not per frame. */
  private mediaPrefix = '';
  private readonly codec = new Base64G711Codec(SOURCE);
  private readonly reader = new JsonMediaReader();

  constructor(options: { streamId?: string } = {}) {
    this.setStream(options.streamId ?? '');
  }

  private setStream(streamSid: string): void {
    this.streamSid = streamSid;
    this.mediaPrefix = `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"`;
  }

  /** Media messages read from their bytes; everything else through {@link decode}. */
  decodeText(utf8: Uint8Array, emit: (event: MediaEvent) => void): void {
    const samples = this.reader.read(utf8);
    if (samples === undefined) {
      this.decode(textOf(utf8), emit);
      return;
    }
    this.reader.audioEvent.samples = samples;
    emit(this.reader.audioEvent);
  }

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    const value = readJsonMediaMessage(input, SOURCE, 'Twilio');
    const media = mediaPayloadOf(value);
    if (media) {
      emit({ type: 'audio', samples: this.codec.decode(media.payload) });
      return;
    }
    const data = checkMediaMessage(message, value, SOURCE);
    switch (data.event) {
      case 'connected':
        return;
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
        emit(dtmfEvent(data.dtmf.digit, SOURCE));
        return;
      case 'mark':
        emit({ type: 'mark', name: data.mark.name });
        return;
      case 'stop':
        emit({ type: 'stop', reason: undefined });
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
