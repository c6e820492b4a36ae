import { mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import { dtmfEvent } from '@patchbay/core/provider-utils';

/**
 * chan_websocket with `format=ulaw`: raw mu-law bytes at 8 kHz, 160 per 20 ms
 * towards Asterisk. Towards the host it sends caller audio only while the
 * caller sends RTP, in the caller's packet size (recorded: 240-byte frames
 * from a 30 ms peer, nothing during silence), so the bridge fills the gaps.
 */
export const ARI_AUDIO: WireAudioFormat = {
  encoding: 'mulaw',
  sampleRate: 8000,
  frameMs: 20,
  continuous: false,
};

const SOURCE = 'Asterisk media message';

/** A chan_websocket control message, plain text (`NAME key:value …`) or JSON. */
export function parseAsteriskControl(text: string): {
  name: string;
  fields: Record<string, string>;
  /** Words without a `key:`, such as the mark id of plain-text `MEDIA_MARK_PROCESSED m1`. */
  bare?: string[];
} {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (cause) {
      throw new InvalidPayloadError(SOURCE, 'control message is not JSON', { cause });
    }
    const record = value as Record<string, unknown>;
    const name = record['event'] ?? record['command'];
    if (typeof name !== 'string')
      throw new InvalidPayloadError(SOURCE, 'control message has no event');
    const fields: Record<string, string> = {};
    for (const [key, field] of Object.entries(record))
      if (typeof field === 'string' || typeof field === 'number') fields[key] = String(field);
    return { name, fields };
  }
  const [name, ...pairs] = trimmed.split(/\s+/);
  if (!name || !/^[A-Z_]+$/.test(name))
    throw new InvalidPayloadError(SOURCE, `unknown control message "${trimmed.slice(0, 40)}"`);
  const fields: Record<string, string> = {};
  const bare: string[] = [];
  for (const pair of pairs) {
    const colon = pair.indexOf(':');
    if (colon > 0) fields[pair.slice(0, colon)] = pair.slice(colon + 1);
    else bare.push(pair);
  }
  return { name, fields, ...(bare.length > 0 ? { bare } : {}) };
}

// Commands to chan_websocket are at most 128 bytes; a mark id must be one token.
const MARK_ID = /[^A-Za-z0-9_.-]/g;

/**
 * Speaks Asterisk's chan_websocket (externalMedia, `encapsulation=none`):
 * audio as binary frames both ways; text control messages `MEDIA_START`,
 * `DTMF_END`, `MEDIA_MARK_PROCESSED` in, `FLUSH_MEDIA` (barge-in),
 * `MARK_MEDIA` and `HANGUP` out. Other control messages (`MEDIA_XOFF`,
 * `STATUS`, …) carry nothing for the agent.
 */
export class AriMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio = ARI_AUDIO;
  /**
   * chan_websocket passes the caller's RTP packets through as they come
   * (240 bytes for a 30 ms mu-law peer); 16 KiB is over a second of 8 kHz
   * PCM, far past any packet size a phone uses.
   */
  readonly maxMessageBytes = 16 * 1024;
  private samples = new Int16Array(160);

  /** `marks: false` for Asterisk releases before MARK_MEDIA (2025-11): the bridge then keeps its own playout clock. */
  constructor(private readonly marks = true) {}

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    if (typeof input !== 'string') {
      if (this.samples.length < input.length) this.samples = new Int16Array(input.length);
      mulawDecode(input, this.samples);
      emit({ type: 'audio', samples: this.samples.subarray(0, input.length) });
      return;
    }
    const { name, fields, bare } = parseAsteriskControl(input);
    switch (name) {
      case 'MEDIA_START': {
        const callId = fields['channel_id'] ?? fields['channel'];
        if (!callId) throw new InvalidPayloadError(SOURCE, 'MEDIA_START names no channel');
        // connection_id is the websocket_client.conf section, the same for every
        // call; the media channel's id is what names this stream.
        emit({
          type: 'start',
          callId,
          streamId: fields['channel_id'] ?? fields['connection_id'],
          customParameters: {},
        });
        return;
      }
      case 'DTMF_END': {
        const digit = fields['digit'];
        emit(dtmfEvent(digit, SOURCE));
        return;
      }
      case 'MEDIA_MARK_PROCESSED': {
        // Plain-text mode answers `MEDIA_MARK_PROCESSED m1` (the bare id); JSON mode names it correlation_id.
        const mark = fields['correlation_id'] ?? bare?.[0];
        if (mark) emit({ type: 'mark', name: mark });
        return;
      }
      default:
        return;
    }
  }

  encodeAudio(samples: Int16Array): Uint8Array {
    // A fresh array: the socket may still hold it when the bridge reuses its frame.
    return mulawEncode(samples);
  }

  encodeClear(): string {
    return 'FLUSH_MEDIA';
  }

  encodeMark(name: string): string | undefined {
    return this.marks ? `MARK_MEDIA ${name.replace(MARK_ID, '_').slice(0, 100)}` : undefined;
  }

  encodeHangUp(): string {
    return 'HANGUP';
  }
}
