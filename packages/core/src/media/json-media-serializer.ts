import { toCarrierMessage } from './carrier-socket.js';
import {
  Base64G711Codec,
  type G711Law,
  JsonMediaReader,
  mediaPayloadOf,
  readJsonMediaMessage,
} from './json-media.js';
import type {
  CarrierMessage,
  MediaEvent,
  MediaSerializer,
  WireAudioFormat,
} from './media-serializer.js';

export interface JsonMediaSerializerOptions {
  /** The carrier's name as messages and errors show it: `Twilio`. */
  readonly carrier: string;
  /** What the socket carries; G.711 in base64 at 8 kHz for every JSON carrier so far. */
  readonly audio: WireAudioFormat;
  /** What errors name as the bad input (default `<carrier> media message`). */
  readonly source?: string;
  /** The largest message the carrier sends (default 16 KiB: a start message with room to spare). */
  readonly maxMessageBytes?: number;
  /**
   * Whether a media message's audio may be read straight from the frame's
   * bytes ({@link JsonMediaReader}). Leave it off when a media message's
   * other fields decide whether its audio counts (a track to filter on).
   */
  readonly readsMediaBytes?: boolean;
}

/**
 * The part every JSON media dialect (Twilio's Media Streams and the carriers
 * that copied it, Plivo's stream protocol, Telnyx's) has in common: text
 * frames of JSON, audio as base64 G.711 in `{"event":"media","media":{"payload":…}}`
 * read without a schema on the hot path (from the frame's bytes where
 * allowed), an empty payload taken as no audio, and everything else handed
 * to the dialect's {@link JsonMediaSerializer.decodeControl} to check with
 * its own schema. A dialect adds its control messages and its encoders.
 */
export abstract class JsonMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio: WireAudioFormat;
  readonly maxMessageBytes: number;
  /** `<carrier> media message`: what errors name as the bad input. */
  protected readonly source: string;
  protected readonly codec: Base64G711Codec;
  /** The law incoming audio is decoded with; a dialect whose start names it sets it there. */
  protected law: G711Law = 'mulaw';
  private readonly carrier: string;
  private readonly reader: JsonMediaReader | undefined;

  constructor(options: JsonMediaSerializerOptions) {
    this.carrier = options.carrier;
    this.audio = options.audio;
    this.maxMessageBytes = options.maxMessageBytes ?? 16 * 1024;
    this.source = options.source ?? `${options.carrier} media message`;
    this.codec = new Base64G711Codec(this.source);
    this.reader = options.readsMediaBytes === false ? undefined : new JsonMediaReader();
  }

  /** Media messages read from their bytes; everything else through {@link decode}. */
  decodeText(utf8: Uint8Array, emit: (event: MediaEvent) => void): void {
    const samples = this.reader?.read(utf8, this.law);
    if (samples === undefined) {
      this.decode(toCarrierMessage(utf8, false), emit);
      return;
    }
    if (samples.length === 0) return;
    const event = this.reader!.audioEvent;
    event.samples = samples;
    emit(event);
  }

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    const value = readJsonMediaMessage(input, this.source, this.carrier);
    const media = mediaPayloadOf(value);
    if (media && this.isCallerAudio(media.track)) {
      if (media.payload !== '')
        emit({ type: 'audio', samples: this.codec.decode(media.payload, this.law) });
      return;
    }
    this.decodeControl(value, emit);
  }

  /**
   * Whether a media message with this `track` (undefined when it has none)
   * is the caller's audio. False hands it to {@link decodeControl}, which
   * may ignore it. Every media message is, unless the dialect says otherwise.
   */
  protected isCallerAudio(_track: unknown): boolean {
    return true;
  }

  /**
   * Every message that is not caller audio, already parsed as JSON: check it
   * with the dialect's schema (`checkMediaMessage`) and emit what it means.
   * @throws InvalidPayloadError
   */
  protected abstract decodeControl(message: unknown, emit: (event: MediaEvent) => void): void;

  abstract encodeAudio(samples: Int16Array): string;
  abstract encodeClear(): string | undefined;
  abstract encodeMark(name: string): string | undefined;
  abstract encodeHangUp(): string | undefined;
}
