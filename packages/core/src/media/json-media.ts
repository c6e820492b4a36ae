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
    (law === 'alaw' ? alawDecode : mulawDecode)(this.codes.subarray(0, count), this.samples);
    return this.samples.subarray(0, count);
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
