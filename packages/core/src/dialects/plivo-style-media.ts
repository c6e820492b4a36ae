import { z } from 'zod';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import { decodeHexParameters } from '../http/hex-parameters.js';
import { checkMediaMessage, dtmfEvent } from '../media/json-media.js';
import { JsonMediaSerializer } from '../media/json-media-serializer.js';
import type { MediaEvent, WireAudioFormat } from '../media/media-serializer.js';

/** What Plivo-style streams are asked for: mu-law 8 kHz, 20 ms frames, base64 in JSON text. */
export const PLIVO_STYLE_AUDIO: WireAudioFormat = {
  encoding: 'mulaw',
  sampleRate: 8000,
  frameMs: 20,
};

/** How one carrier's stream differs from Plivo's. */
export interface PlivoStyleStreamOptions {
  /** The carrier's name, for errors: `Vobiz`. */
  readonly carrier: string;
  /** The stream id learned from a previous connection, if any. */
  readonly streamId?: string;
  /** Whether `playAudio` names its stream (Vobiz asks for it; Plivo does not). */
  readonly audioNamesStream?: boolean;
  /**
   * Whether a `stop` command ends the call (Vobiz: the stream is the whole
   * call under `keepCallAlive`); otherwise the dialect has no hang-up message.
   */
  readonly stopEndsCall?: boolean;
}

const parameters = z.union([z.string(), z.record(z.string(), z.unknown())]).optional();
const message = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('start'),
    streamId: z.string().optional(),
    start: z.object({
      callId: z.string().min(1),
      streamId: z.string().optional(),
      mediaFormat: z.object({ encoding: z.string().optional() }).passthrough().optional(),
      extraHeaders: parameters,
    }),
    extra_headers: parameters,
    extraHeaders: parameters,
  }),
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
 * The audio stream protocol of Plivo ("Audio Streaming – Stream Event
 * Protocol") and the carriers that copied it: `start`, `media`, `dtmf`,
 * `playedStream` (a checkpoint was played), `clearedAudio` in; `playAudio`,
 * `checkpoint`, `clearAudio` out. Custom parameters come back hex-encoded
 * in the start's extra headers ({@link decodeHexParameters}). A start that
 * announces anything but mu-law is refused: it is all Patchbay asks for.
 */
export class PlivoStyleMediaSerializer extends JsonMediaSerializer {
  private streamId: string;
  /** The stream id as a JSON string, made once, so an audio frame is one template. */
  private streamIdJson: string;

  constructor(private readonly options: PlivoStyleStreamOptions) {
    super({
      carrier: options.carrier,
      audio: PLIVO_STYLE_AUDIO,
      source: `${options.carrier} stream message`,
    });
    this.streamId = options.streamId ?? '';
    this.streamIdJson = JSON.stringify(this.streamId);
  }

  protected decodeControl(value: unknown, emit: (event: MediaEvent) => void): void {
    const data = checkMediaMessage(message, value, this.source);
    switch (data.event) {
      case 'start': {
        const streamId = data.start.streamId ?? data.streamId;
        if (!streamId) throw new InvalidPayloadError(this.source, 'start has no streamId');
        const encoding = data.start.mediaFormat?.encoding;
        if (encoding !== undefined && !/mulaw/i.test(encoding)) {
          throw new InvalidPayloadError(
            this.source,
            `the stream carries ${encoding}; Patchbay asks for audio/x-mulaw;rate=8000`,
          );
        }
        this.streamId = streamId;
        this.streamIdJson = JSON.stringify(streamId);
        emit({
          type: 'start',
          callId: data.start.callId,
          streamId,
          customParameters: decodeHexParameters(
            data.extra_headers ?? data.extraHeaders ?? data.start.extraHeaders,
          ),
        });
        return;
      }
      case 'playAudio':
        if (data.media.payload !== '')
          emit({ type: 'audio', samples: this.codec.decode(data.media.payload) });
        return;
      case 'dtmf':
        emit(dtmfEvent(data.dtmf.digit, this.source));
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
    const stream = this.options.audioNamesStream ? `"streamId":${this.streamIdJson},` : '';
    return `{"event":"playAudio",${stream}"media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"${payload}"}}`;
  }

  encodeClear(): string {
    return JSON.stringify({ event: 'clearAudio', streamId: this.streamId });
  }

  encodeMark(name: string): string {
    return JSON.stringify({ event: 'checkpoint', streamId: this.streamId, name });
  }

  encodeHangUp(): string | undefined {
    return this.options.stopEndsCall
      ? JSON.stringify({ event: 'stop', streamId: this.streamId })
      : undefined;
  }
}
