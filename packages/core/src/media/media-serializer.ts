/** The audio a carrier puts on its media socket. */
export interface WireAudioFormat {
  readonly encoding: 'mulaw' | 'alaw' | 'pcm16';
  /** Samples per second, e.g. 8000. */
  readonly sampleRate: number;
  /** Duration of one frame the carrier sends and expects, in milliseconds (usually 20). */
  readonly frameMs: number;
  /**
   * Whether the carrier sends caller audio as a steady stream, silence
   * included (default true). Asterisk's chan_websocket sends only while the
   * caller sends RTP, in the caller's packet size; for such a carrier
   * (`false`) the media bridge fills the gaps with silence, so the agent
   * always hears one frame per `frameMs`.
   */
  readonly continuous?: boolean;
}

/** A message on a carrier media socket: text frames as strings, binary frames as bytes. */
export type CarrierMessage = string | Uint8Array;

/** The media stream began; carries what the host attached to the call. */
export interface MediaStartEvent {
  readonly type: 'start';
  readonly callId: string | undefined;
  readonly streamId: string | undefined;
  readonly customParameters: Readonly<Record<string, string>>;
}

/**
 * Caller audio at the wire rate as 16-bit PCM (G.711 already decoded). The
 * samples may be a buffer the serializer reuses: copy them to keep them
 * beyond the callback.
 */
export interface MediaAudioEvent {
  readonly type: 'audio';
  readonly samples: Int16Array;
}

/** The caller pressed a key. */
export interface MediaDtmfEvent {
  readonly type: 'dtmf';
  readonly digit: string;
}

/** The carrier played everything sent before the mark with this name. */
export interface MediaMarkEvent {
  readonly type: 'mark';
  readonly name: string;
}

/** The carrier ended the stream. */
export interface MediaStopEvent {
  readonly type: 'stop';
  readonly reason: string | undefined;
}

export type MediaEvent =
  | MediaStartEvent
  | MediaAudioEvent
  | MediaDtmfEvent
  | MediaMarkEvent
  | MediaStopEvent;

/**
 * Speaks one carrier's media-socket dialect. Created per call by
 * {@link ProviderSpec.media}, so it may keep per-stream state (a stream id,
 * a sequence number) and reuse buffers.
 */
export interface MediaSerializer {
  readonly specificationVersion: 'v1';
  readonly audio: WireAudioFormat;
  /**
   * The largest message, in bytes, this carrier ever sends on its media
   * socket (its biggest start message, with room to spare). A peer that sends
   * more is not the carrier: the bridge closes its socket (1009), and a host
   * should pass the figure to its WebSocket server (`ws`'s `maxPayload`) so
   * such a message is refused before it is buffered.
   */
  readonly maxMessageBytes: number;
  /**
   * Decodes one carrier message and passes each event it holds to `emit`.
   * Messages the dialect defines but that carry nothing for the agent
   * (keep-alives, `connected`) emit nothing.
   * @throws InvalidPayloadError for a message that is not valid in the dialect.
   */
  decode(message: CarrierMessage, emit: (event: MediaEvent) => void): void;
  /**
   * Optional: decodes a text frame from the UTF-8 bytes it arrived in, for
   * dialects that can read their audio messages without making a string of
   * them (see `JsonMediaReader` in `@patchbay/core/provider-utils`). The
   * bridge calls it for every text frame when present, and `decode`
   * otherwise; it must accept exactly what `decode` accepts. Events passed to
   * `emit` are valid during the call only.
   * @throws InvalidPayloadError as `decode` does.
   */
  decodeText?(utf8: Uint8Array, emit: (event: MediaEvent) => void): void;
  /** One frame of agent audio (16-bit PCM at the wire rate) as the carrier's message. */
  encodeAudio(samples: Int16Array): CarrierMessage;
  /**
   * The message that makes the carrier drop audio it has queued (barge-in),
   * or undefined when the dialect has none; the bridge then can only stop
   * sending, so it keeps little queued at such carriers.
   */
  encodeClear(): CarrierMessage | undefined;
  /**
   * A mark the carrier echoes back as a `mark` event once everything before it
   * has played, or undefined when the dialect has none; the bridge then
   * reports marks by its own playout clock.
   */
  encodeMark(name: string): CarrierMessage | undefined;
  /** A message asking the carrier to end the call, if the dialect has one. */
  encodeHangUp(): CarrierMessage | undefined;
}

/** What a serializer may be told when it is created. */
export interface MediaSerializerOptions {
  /** The stream id learned from a previous connection, if any. */
  readonly streamId?: string;
}
