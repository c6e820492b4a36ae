import { alawEncode, mulawEncode } from '@patchbay/audio';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidPayloadError } from '../src/index.js';
import {
  Base64G711Codec,
  checkMediaMessage,
  dtmfEvent,
  JsonMediaReader,
  mediaPayloadOf,
  readJsonMediaMessage,
} from '../src/provider-utils.js';

const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));

describe('Base64G711Codec', () => {
  it('decodes both laws into one reused buffer and encodes back', () => {
    const codec = new Base64G711Codec('Test media message');
    const mulaw = Buffer.from(mulawEncode(tone)).toString('base64');
    const first = codec.decode(mulaw);
    const again = codec.decode(mulaw);
    expect(again.buffer).toBe(first.buffer); // nothing allocated per frame
    expect(codec.encode(again)).toBe(mulaw);
    const alaw = Buffer.from(alawEncode(tone)).toString('base64');
    expect(codec.encode(codec.decode(alaw, 'alaw'), 'alaw')).toBe(alaw);
    expect(codec.decode(Buffer.alloc(400).toString('base64'))).toHaveLength(400); // grows when needed
  });

  it('refuses a payload that is not whole base64, naming the carrier', () => {
    const codec = new Base64G711Codec('Test media message');
    for (const bad of ['abc', '!!!!', 'ab=c'])
      expect(() => codec.decode(bad)).toThrow(
        /Test media message: media payload is not whole base64/,
      );
  });
});

describe('JSON media messages', () => {
  it('parse text frames and refuse binary ones and broken JSON', () => {
    expect(readJsonMediaMessage('{"event":"stop"}', 'Test media message', 'Test')).toEqual({
      event: 'stop',
    });
    expect(() => readJsonMediaMessage(new Uint8Array(2), 'Test media message', 'Test')).toThrow(
      /Test sends text frames only/,
    );
    expect(() => readJsonMediaMessage('{', 'Test media message', 'Test')).toThrow(
      InvalidPayloadError,
    );
  });

  it('recognise the shared audio shape and nothing else', () => {
    expect(
      mediaPayloadOf({ event: 'media', media: { payload: 'AAAA', track: 'inbound' } }),
    ).toEqual({
      payload: 'AAAA',
      track: 'inbound',
    });
    for (const other of [
      null,
      'media',
      { event: 'media' },
      { event: 'media', media: { payload: 1 } },
      { event: 'mark' },
    ])
      expect(mediaPayloadOf(other)).toBeUndefined();
  });

  it('check the other messages against the carrier schema, naming what is wrong', () => {
    const schema = z.object({ event: z.literal('dtmf'), dtmf: z.object({ digit: z.string() }) });
    expect(checkMediaMessage(schema, { event: 'dtmf', dtmf: { digit: '5' } }, 'Test')).toEqual({
      event: 'dtmf',
      dtmf: { digit: '5' },
    });
    expect(() => checkMediaMessage(schema, { event: 'dtmf', dtmf: {} }, 'Test')).toThrow(
      /dtmf\.digit/,
    );
  });
});

describe('dtmfEvent', () => {
  it('accepts the sixteen keys and refuses anything else', () => {
    for (const digit of '0123456789*#ABCD')
      expect(dtmfEvent(digit, 'Test')).toEqual({ type: 'dtmf', digit });
    for (const digit of [undefined, '', 'x', '12', 'a'])
      expect(() => dtmfEvent(digit, 'Test')).toThrow(/is not a DTMF digit/);
  });
});

describe('JsonMediaReader', () => {
  const payload = Buffer.from(mulawEncode(tone)).toString('base64');
  const bytes = (text: string) => new TextEncoder().encode(text);
  /** What the full parse makes of a message: the payload it would decode, or undefined. */
  const fullParse = (text: string) => {
    try {
      return mediaPayloadOf(JSON.parse(text))?.payload;
    } catch {
      return undefined;
    }
  };
  const samplesOf = (base64: string) => new Base64G711Codec('Test').decode(base64).slice();

  it('reads the layouts carriers send, as the full parse does', () => {
    const reader = new JsonMediaReader();
    const messages = [
      `{"event":"media","sequenceNumber":"3","streamSid":"MZ1","media":{"track":"inbound","chunk":"2","timestamp":"20","payload":"${payload}"}}`,
      `{"event":"media","streamSid":"MZ1","media":{"payload":"${payload}"}}`,
      `{"event":"media","media":{"payload":"${payload}","track":"inbound"},"extra":[{"a":"}"},"\\"quoted\\""]}`,
      `{"event":"media","media":{"payload":"${payload.slice(0, -4)}AA=="}}`,
      `{"event":"media","media":{"payload":"${payload.slice(0, -4)}AAA="}}\n`,
      `{"event":"media","media":{"payload":""}}`,
    ];
    for (const text of messages) {
      const read = reader.read(bytes(text));
      expect(read, text).toBeDefined();
      expect(Array.from(read!), text).toEqual(Array.from(samplesOf(fullParse(text)!)));
    }
  });

  it('leaves every other message to the full parse', () => {
    const reader = new JsonMediaReader();
    const others = [
      '{"event":"start","start":{"streamSid":"MZ1"}}',
      `{"event": "media","media":{"payload":"${payload}"}}`, // another layout
      `{"event":"media","media":{"payload":"${payload.slice(0, 8)}\\/${payload.slice(10)}"}}`, // an escape
      `{"event":"media","media":{"payload":"${payload}"},"event":"stop"}`, // JSON.parse would say stop
      `{"event":"media","media":{"payload":"${payload}"},"media":{"payload":"AAAA"}}`, // two media objects
      `{"event":"media","other":{"payload":"${payload}"}}`, // a payload outside media
      `{"event":"media","media":{"payload":"${payload}"}`, // unbalanced
      `{"event":"media","media":{"payload":"${payload}"}} x`, // trailing garbage
      `{"event":"media","media":{"payload":"${payload.slice(0, -1)}"}}`, // not whole base64
      `{"event":"media","media":{"payload":"AA=A"}}`, // padding inside
      `{"event":"media","media":{"payload":"${payload}`, // cut short
      `{"event":"media","media":{"payload":123}}`,
    ];
    for (const text of others) expect(reader.read(bytes(text)), text).toBeUndefined();
  });

  it('reuses its buffers and its event: nothing is allocated per frame', () => {
    const reader = new JsonMediaReader();
    const message = bytes(`{"event":"media","media":{"payload":"${payload}"}}`);
    const first = reader.read(message)!;
    expect(reader.read(message)).toBe(first);
    expect(reader.read(message, 'alaw')).toBe(first);
    expect(reader.audioEvent.type).toBe('audio');
  });
});
