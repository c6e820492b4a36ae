import type { WireAudioFormat } from '@patchbay/core';
import { PLIVO_STYLE_AUDIO, PlivoStyleMediaSerializer } from '@patchbay/core/provider-utils';

/** What Patchbay asks Vobiz for: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const VOBIZ_AUDIO: WireAudioFormat = PLIVO_STYLE_AUDIO;

/**
 * Speaks Vobiz's stream protocol ("Stream Events"), Plivo's with two
 * differences: `playAudio` names its stream, and a `stop` from our side
 * ends the call (the stream is the call's only element, kept alive by
 * `keepCallAlive`). Vobiz sends no `stop` of its own: the socket closing is
 * the end of the stream.
 */
export class VobizMediaSerializer extends PlivoStyleMediaSerializer {
  constructor(options: { streamId?: string } = {}) {
    super({ carrier: 'Vobiz', audioNamesStream: true, stopEndsCall: true, ...options });
  }
}
