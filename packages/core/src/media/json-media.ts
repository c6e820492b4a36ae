import { alawDecode, alawEncode, mulawDecode, mulawEncode } from '@patchbay/audio';
import type { z } from 'zod';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import type { CarrierMessage, MediaDtmfEvent } from './media-serializer.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The G.711 law of a stream. */
export type G711Law = 'mulaw' | 'alaw';

/**
 * G.711 carried as base64 text, as Twilio, Plivo, Telnyx and Cloudonix
 * stream it. Decoding writes the base64 straight into a buffer the codec
 * keeps and the samples into another, so a 20 ms frame allocates nothing;
 * encoding allocates only the string it returns.
 */
export class Base64G711Codec {
  private codes: Buffer = Buffer.alloc(320);
  private samples = new Int16Array(320);
  /** Views of the last decoded length, made again only when the length changes. */
  private codesView: Uint8Array = this.codes.subarray(0, 0);
  private samplesView = this.samples.subarray(0, 0);

  /** `source` names the carrier's messages in errors, e.g. `Twilio media message`. */
  constructor(private readonly source: string) {}

  /**
   * The payload's samples, valid until the next call.
   * @throws InvalidPayloadError when the payload is not whole base64
   */
  decode(payload: string, law: G711Law = 'mulaw'): Int16Array {
    if (payload.length % 4 !== 0 || !BASE64.test(payload))
      throw new InvalidPayloadError(this.source, 'media payload is not whole base64');
    this.reserve((payload.length / 4) * 3);
    const count = this.codes.write(payload, 0, 'base64');
    if (this.codesView.length !== count || this.codesView.buffer !== this.codes.buffer) {
      this.codesView = new Uint8Array(this.codes.buffer, this.codes.byteOffset, count);
      this.samplesView = this.samples.subarray(0, count);
    }
    (law === 'alaw' ? alawDecode : mulawDecode)(this.codesView, this.samplesView);
    return this.samplesView;
  }

  /** The samples as base64 G.711. */
  encode(samples: Int16Array, law: G711Law = 'mulaw'): string {
    this.reserve(samples.length);
    (law === 'alaw' ? alawEncode : mulawEncode)(samples, this.codes);
    return this.codes.toString('base64', 0, samples.length);
  }

  private reserve(length: number): void {
    if (this.codes.length >= length) return;
    this.codes = Buffer.alloc(length);
    this.samples = new Int16Array(length);
  }
}

/**
 * A carrier's JSON text frame, parsed.
 * @throws InvalidPayloadError for binary frames and text that is not JSON
 */
export function readJsonMediaMessage(
  input: CarrierMessage,
  source: string,
  carrier: string,
): unknown {
  if (typeof input !== 'string')
    throw new InvalidPayloadError(source, `${carrier} sends text frames only`);
  try {
    return JSON.parse(input);
  } catch (cause) {
    throw new InvalidPayloadError(source, 'not JSON', { cause });
  }
}

/**
 * The audio of a `{"event":"media","media":{"payload":…}}` message, the
 * shape all four base64 carriers share, or undefined for any other message.
 * Serializers take this path for the fifty audio messages a second of each
 * call and validate the rest against their schema.
 */
export function mediaPayloadOf(
  message: unknown,
): { readonly payload: string; readonly track: unknown } | undefined {
  const record = message as { event?: unknown; media?: { payload?: unknown; track?: unknown } };
  if (record?.event !== 'media' || typeof record.media?.payload !== 'string') return undefined;
  return { payload: record.media.payload, track: record.media.track };
}

/**
 * A parsed message checked against the carrier's schema.
 * @throws InvalidPayloadError naming each field that does not fit
 */
export function checkMediaMessage<T>(schema: z.ZodType<T>, message: unknown, source: string): T {
  const parsed = schema.safeParse(message);
  if (parsed.success) return parsed.data;
  throw new InvalidPayloadError(
    source,
    parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; '),
  );
}

const DTMF_DIGIT = /^[0-9*#A-D]$/;

/**
 * The DTMF event for a key a carrier reported.
 * @throws InvalidPayloadError for anything but 0-9, *, # and A-D
 */
export function dtmfEvent(digit: string | undefined, source: string): MediaDtmfEvent {
  if (!digit || !DTMF_DIGIT.test(digit))
    throw new InvalidPayloadError(source, `"${digit}" is not a DTMF digit`);
  return { type: 'dtmf', digit };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const MEDIA_OPENING = ascii('{"event":"media",');
const EVENT_KEY = ascii('"event"');
const MEDIA_KEY = ascii('"media":{');
const PAYLOAD_KEY = ascii('"payload":"');
/** Each byte's base64 value, -1 for bytes that are not base64 digits (padding included). */
const BASE64_VALUES = (() => {
  const values = new Int8Array(256).fill(-1);
  const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < digits.length; i++) values[digits.charCodeAt(i)] = i;
  return values;
})();

function matchesAt(bytes: Uint8Array, at: number, pattern: Uint8Array): boolean {
  if (at + pattern.length > bytes.length) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * Reads the audio of a JSON media message straight from its UTF-8 bytes:
 * no string, no `JSON.parse`, no allocation once its buffers have grown to
 * the carrier's frame. It reads only the layout the base64 carriers send, an
 * object that opens with `{"event":"media",` and holds one `"media":{…}`
 * object with one `"payload":"<base64>"`, and checks the rest of the message
 * is well nested; anything else (another event, escapes in the payload,
 * another layout) it leaves to the dialect's full parse by returning
 * undefined. One pass decodes the base64 and the G.711 together.
 */
export class JsonMediaReader {
  private codes = new Uint8Array(320);
  private samples = new Int16Array(320);
  /** Views of the last decoded length, made again only when the length changes. */
  private codesView = this.codes.subarray(0, 0);
  private samplesView = this.samples.subarray(0, 0);
  private decodedBytes = 0;
  /** The event serializers emit for every frame, refilled each time (events are valid during `emit` only). */
  readonly audioEvent: { type: 'audio'; samples: Int16Array } = {
    type: 'audio',
    samples: this.samplesView,
  };

  /** The message's caller audio (a reused buffer), or undefined when the full parse must decide. */
  read(bytes: Uint8Array, law: G711Law = 'mulaw'): Int16Array | undefined {
    if (!matchesAt(bytes, 0, MEDIA_OPENING)) return undefined;
    const length = bytes.length;
    let depth = 1;
    let inString = false;
    /** Depth of the `media` object while inside it, else 0. */
    let mediaDepth = 0;
    let mediaObjects = 0;
    let payloads = 0;
    let i = MEDIA_OPENING.length;
    for (; i < length; i++) {
      const byte = bytes[i]!;
      if (inString) {
        if (byte === BACKSLASH) i++;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) {
        if (depth === 1) {
          // A second "event" key would win in JSON.parse; a second "media" is ambiguous.
          if (matchesAt(bytes, i, EVENT_KEY)) return undefined;
          if (matchesAt(bytes, i, MEDIA_KEY)) {
            mediaObjects++;
            mediaDepth = 2;
            depth = 2;
            i += MEDIA_KEY.length - 1;
            continue;
          }
        } else if (depth === 2 && mediaDepth === 2 && matchesAt(bytes, i, PAYLOAD_KEY)) {
          payloads++;
          const end = this.decodeBase64(bytes, i + PAYLOAD_KEY.length);
          if (end < 0) return undefined;
          i = end; // the closing quote
          continue;
        }
        inString = true;
      } else if (byte === 0x7b || byte === 0x5b) {
        depth++;
      } else if (byte === 0x7d || byte === 0x5d) {
        depth--;
        if (depth < 2) mediaDepth = 0;
        if (depth === 0) break;
      }
    }
    if (depth !== 0 || mediaObjects !== 1 || payloads !== 1) return undefined;
    for (i++; i < length; i++) if (!isSpace(bytes[i]!)) return undefined;
    const count = this.decodedBytes;
    if (this.codesView.length !== count || this.codesView.buffer !== this.codes.buffer) {
      this.codesView = this.codes.subarray(0, count);
      this.samplesView = this.samples.subarray(0, count);
    }
    (law === 'alaw' ? alawDecode : mulawDecode)(this.codesView, this.samplesView);
    return this.samplesView;
  }

  /** Decodes base64 from `start` up to its closing quote into `codes`; returns the quote's index, or -1. */
  private decodeBase64(bytes: Uint8Array, start: number): number {
    const length = bytes.length;
    const most = Math.ceil(((length - start) * 3) / 4);
    if (this.codes.length < most) {
      this.codes = new Uint8Array(most);
      this.samples = new Int16Array(most);
    }
    const codes = this.codes;
    let out = 0;
    let i = start;
    for (;;) {
      if (i >= length) return -1;
      if (bytes[i] === QUOTE) break;
      if (i + 4 > length) return -1;
      const a = BASE64_VALUES[bytes[i]!]!;
      const b = BASE64_VALUES[bytes[i + 1]!]!;
      const c = BASE64_VALUES[bytes[i + 2]!]!;
      const d = BASE64_VALUES[bytes[i + 3]!]!;
      if ((a | b) < 0) return -1;
      if ((c | d) < 0) {
        // Padding, only in the last group: "xx==" or "xxx=".
        if (bytes[i + 3] !== EQUALS) return -1;
        codes[out++] = (a << 2) | (b >> 4);
        if (bytes[i + 2] !== EQUALS) {
          if (c < 0) return -1;
          codes[out++] = ((b & 15) << 4) | (c >> 2);
        }
        i += 4;
        if (bytes[i] !== QUOTE) return -1;
        break;
      }
      codes[out++] = (a << 2) | (b >> 4);
      codes[out++] = ((b & 15) << 4) | (c >> 2);
      codes[out++] = ((c & 3) << 6) | d;
      i += 4;
    }
    this.decodedBytes = out;
    return i;
  }
}
