import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import {
  Base64G711Codec,
  checkMediaMessage,
  dtmfEvent,
  type G711Law,
  mediaPayloadOf,
  readJsonMediaMessage,
} from '@patchbay/core/provider-utils';
import { z } from 'zod';
import { decodeClientState } from './telnyx-client-state.js';

/** What Patchbay asks Telnyx to send back: PCMU 8 kHz, 20 ms frames, base64 in JSON text. */
export const TELNYX_AUDIO: WireAudioFormat = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 };

const SOURCE = 'Telnyx media message';

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
  /** A media frame is about 300 bytes of JSON, a start message a few KiB at most. */
  readonly maxMessageBytes = 16 * 1024;
  private law: G711Law = 'mulaw';
  private readonly codec = new Base64G711Codec(SOURCE);

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    const value = readJsonMediaMessage(input, SOURCE, 'Telnyx');
    const media = mediaPayloadOf(value);
    if (media && (media.track === undefined || typeof media.track === 'string')) {
      // Only the caller's audio is the agent's to hear.
      if (media.track === undefined || media.track === 'inbound')
        emit({ type: 'audio', samples: this.codec.decode(media.payload, this.law) });
      return;
    }
    const data = checkMediaMessage(message, value, SOURCE);
    switch (data.event) {
      case 'start': {
        const encoding = (data.start.media_format?.encoding ?? 'PCMU').toUpperCase();
        if (encoding !== 'PCMU' && encoding !== 'PCMA')
          throw new InvalidPayloadError(SOURCE, `unsupported media encoding ${encoding}`);
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
        emit(dtmfEvent(data.dtmf.digit, SOURCE));
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
