import {
  type CarrierMessage,
  InvalidPayloadError,
  type MediaEvent,
  type MediaSerializer,
  type WireAudioFormat,
} from '@patchbay/core';
import { dtmfEvent } from '@patchbay/core/provider-utils';
import { z } from 'zod';

/** Vonage's voice WebSocket: 16-bit little-endian linear PCM at 16 kHz, 20 ms (640-byte) binary frames. */
export const VONAGE_AUDIO: WireAudioFormat = { encoding: 'pcm16', sampleRate: 16000, frameMs: 20 };

const SOURCE = 'Vonage websocket message';
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// The first text frame; older docs show it without `event`, so it is the fallback.
const connected = z.looseObject({ 'content-type': z.string() });
const textMessage = z.union([
  z.object({
    event: z.literal('websocket:dtmf'),
    digit: z.string().optional(),
    dtmf: z.object({ digit: z.string() }).optional(),
  }),
  z.object({ event: z.literal('websocket:notify'), payload: z.looseObject({ name: z.string() }) }),
  z.object({ event: z.literal('websocket:cleared') }),
  z.object({ event: z.literal('websocket:connected') }).and(connected),
  // What Patchbay itself sends, read back by simulators and tests.
  z.object({ action: z.enum(['clear', 'notify']) }),
  z.object({ event: z.undefined() }).and(connected),
]);

/**
 * Speaks Vonage's WebSocket protocol ("WebSockets in the Voice API"): audio as
 * raw binary frames both ways; JSON text for `websocket:connected` (carrying
 * the NCCO's headers, which become the start event's custom parameters),
 * `websocket:dtmf`, `websocket:notify` (a notify has played) and
 * `websocket:cleared`. Out: `clear` and `notify`. Only text frames are control
 * messages: the first frame may already be audio.
 */
export class VonageMediaSerializer implements MediaSerializer {
  readonly specificationVersion = 'v1' as const;
  readonly audio = VONAGE_AUDIO;
  /** A 20 ms binary frame is 640 bytes; the opening JSON message carries the call's headers, a few KiB. */
  readonly maxMessageBytes = 16 * 1024;
  private samples = new Int16Array(320);

  decode(input: CarrierMessage, emit: (event: MediaEvent) => void): void {
    if (typeof input !== 'string') {
      emit({ type: 'audio', samples: this.decodeAudio(input) });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new InvalidPayloadError(SOURCE, 'text frame is not JSON', { cause });
    }
    const parsed = textMessage.safeParse(value);
    if (!parsed.success) throw new InvalidPayloadError(SOURCE, 'unknown text message');
    const message = parsed.data as Record<string, unknown>;
    if ('content-type' in message) {
      const headers: Record<string, string> = {};
      for (const [key, field] of Object.entries(message)) {
        if (key !== 'event' && key !== 'content-type' && typeof field === 'string')
          headers[key] = field;
      }
      emit({
        type: 'start',
        callId: headers['call_uuid'],
        streamId: undefined,
        customParameters: headers,
      });
      return;
    }
    if (message['event'] === 'websocket:dtmf') {
      const digit =
        (message['digit'] as string | undefined) ??
        (message['dtmf'] as { digit: string } | undefined)?.digit;
      emit(dtmfEvent(digit, SOURCE));
      return;
    }
    if (message['event'] === 'websocket:notify') {
      emit({ type: 'mark', name: (message['payload'] as { name: string }).name });
    }
  }

  private decodeAudio(bytes: Uint8Array): Int16Array {
    if (bytes.length % 2 !== 0)
      throw new InvalidPayloadError(SOURCE, 'binary frame has half a sample');
    const count = bytes.length / 2;
    if (HOST_LITTLE_ENDIAN && bytes.byteOffset % 2 === 0)
      return new Int16Array(bytes.buffer, bytes.byteOffset, count);
    if (this.samples.length < count) this.samples = new Int16Array(count);
    for (let i = 0; i < count; i++) this.samples[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    return this.samples.subarray(0, count);
  }

  encodeAudio(samples: Int16Array): Uint8Array {
    // A copy, not a view: the socket may still hold the frame when the bridge reuses its buffer.
    const bytes = new Uint8Array(samples.length * 2);
    if (HOST_LITTLE_ENDIAN) {
      bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, bytes.length));
    } else {
      for (let i = 0; i < samples.length; i++) {
        bytes[2 * i] = samples[i]! & 0xff;
        bytes[2 * i + 1] = (samples[i]! >> 8) & 0xff;
      }
    }
    return bytes;
  }

  encodeClear(): string {
    return '{"action":"clear"}';
  }

  encodeMark(name: string): string {
    return JSON.stringify({ action: 'notify', payload: { name } });
  }

  encodeHangUp(): undefined {
    return undefined;
  }
}
