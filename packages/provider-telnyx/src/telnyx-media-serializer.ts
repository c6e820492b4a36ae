import { InvalidPayloadError, type MediaEvent, type WireAudioFormat } from '@patchbay/core';
import { checkMediaMessage, dtmfEvent, JsonMediaSerializer } from '@patchbay/core/provider-utils';
import { z } from 'zod';
import { decodeClientState } from './telnyx-client-state.js';

/** What Patchbay asks Telnyx to send back: PCMU 8 kHz, 20 ms frames, base64 in JSON text. */
export const TELNYX_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

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
export class TelnyxMediaSerializer extends JsonMediaSerializer {
  constructor() {
    // A media message's track decides whether it is the caller's: no reading from bytes.
    super({ carrier: 'Telnyx', audio: TELNYX_AUDIO, readsMediaBytes: false });
  }

  /** Only the caller's audio is the agent's to hear; a message without a track is. */
  protected override isCallerAudio(track: unknown): boolean {
    return track === undefined || track === 'inbound';
  }

  protected decodeControl(value: unknown, emit: (event: MediaEvent) => void): void {
    const data = checkMediaMessage(message, value, this.source);
    switch (data.event) {
      case 'start': {
        const encoding = (data.start.media_format?.encoding ?? 'PCMU').toUpperCase();
        if (encoding !== 'PCMU' && encoding !== 'PCMA')
          throw new InvalidPayloadError(this.source, `unsupported media encoding ${encoding}`);
        this.law = encoding === 'PCMA' ? 'alaw' : 'mulaw';
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
        // connected, error, clear, and media of the other track.
        return;
    }
  }

  encodeAudio(samples: Int16Array): string {
    // Patchbay always sends PCMU, whatever Telnyx sends it.
    return `{"event":"media","media":{"payload":"${this.codec.encode(samples)}"}}`;
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
