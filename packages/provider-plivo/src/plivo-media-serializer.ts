import type { WireAudioFormat } from '@patchbay/core';
import { PLIVO_STYLE_AUDIO, PlivoStyleMediaSerializer } from '@patchbay/core/provider-utils';

/** What Patchbay asks Plivo for: mu-law 8 kHz, 20 ms frames, base64 in JSON text frames. */
export const PLIVO_AUDIO: WireAudioFormat = PLIVO_STYLE_AUDIO;

/**
 * Speaks Plivo's audio stream protocol ("Audio Streaming – Stream Event
 * Protocol"), which core implements for every carrier that copied it.
 * Plivo has no socket message for hanging up: end the call over REST.
 */
export class PlivoMediaSerializer extends PlivoStyleMediaSerializer {
  constructor(options: { streamId?: string } = {}) {
    super({ carrier: 'Plivo', ...options });
  }
}
