import { mulawEncode } from '@patchbay/audio';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidPayloadError, type MediaEvent } from '../src/index.js';
import { checkMediaMessage, JsonMediaSerializer } from '../src/provider-utils.js';

const control = z.discriminatedUnion('event', [
  z.object({ event: z.literal('start'), law: z.enum(['mulaw', 'alaw']) }),
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('stop') }),
]);

/** The smallest dialect: a start that names its law, media filtered by track, a stop. */
class ExampleDialect extends JsonMediaSerializer {
  readonly ignored: unknown[] = [];
  constructor(readsMediaBytes?: boolean) {
    super({
      carrier: 'Example',
      audio: { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 },
      ...(readsMediaBytes === undefined ? {} : { readsMediaBytes }),
    });
  }
  protected override isCallerAudio(track: unknown): boolean {
    return track === undefined || track === 'inbound';
  }
  protected decodeControl(value: unknown, emit: (event: MediaEvent) => void): void {
    const data = checkMediaMessage(control, value, this.source);
    if (data.event === 'start') {
      this.law = data.law;
      emit({ type: 'start', callId: 'c', streamId: 's', customParameters: {} });
    } else if (data.event === 'stop') emit({ type: 'stop', reason: undefined });
    else this.ignored.push(value);
  }
  encodeAudio(samples: Int16Array): string {
    return `{"event":"media","media":{"payload":"${this.codec.encode(samples)}"}}`;
  }
  encodeClear = () => undefined;
  encodeMark = () => undefined;
  encodeHangUp = () => undefined;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const media = (codes: Uint8Array, extra = '') =>
  `{"event":"media","media":{${extra}"payload":"${Buffer.from(codes).toString('base64')}"}}`;

/** Every event a message gives, through decode and through decodeText. */
function bothWays(dialect: () => ExampleDialect, messages: string[]) {
  const read = (viaBytes: boolean) => {
    const serializer = dialect();
    const events: unknown[] = [];
    const emit = (event: MediaEvent) =>
      events.push(event.type === 'audio' ? { type: 'audio', samples: [...event.samples] } : event);
    for (const message of messages) {
      if (viaBytes) serializer.decodeText(utf8(message), emit);
      else serializer.decode(message, emit);
    }
    return events;
  };
  const fromText = read(false);
  expect(read(true)).toEqual(fromText);
  return fromText;
}

describe('JsonMediaSerializer', () => {
  const tone = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
  const codes = new Uint8Array(160);
  mulawEncode(tone, codes);

  it('reads caller audio without the dialect, from text or bytes alike, and skips empty payloads', () => {
    for (const readsMediaBytes of [undefined, false]) {
      const events = bothWays(
        () => new ExampleDialect(readsMediaBytes),
        [media(codes), '{"event":"media","media":{"payload":""}}', '{"event":"stop"}'],
      );
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ type: 'audio' });
      expect((events[0] as { samples: number[] }).samples).toHaveLength(160);
      expect(events[1]).toEqual({ type: 'stop', reason: undefined });
    }
  });

  it('hands media of another track to the dialect, and decodes with the law its start named', () => {
    const dialect = new ExampleDialect(false);
    const events: MediaEvent[] = [];
    dialect.decode(media(codes, '"track":"outbound",'), (event) => events.push(event));
    expect(events).toEqual([]);
    expect(dialect.ignored).toHaveLength(1);

    const asMulaw: number[] = [];
    dialect.decode(media(codes), (event) => {
      if (event.type === 'audio') asMulaw.push(...event.samples);
    });
    for (const reading of [dialect, new ExampleDialect()]) {
      reading.decode('{"event":"start","law":"alaw"}', () => {});
      const asAlaw: number[] = [];
      reading.decodeText(utf8(media(codes)), (event) => {
        if (event.type === 'audio') asAlaw.push(...event.samples);
      });
      expect(asAlaw).toHaveLength(160);
      expect(asAlaw).not.toEqual(asMulaw);
    }
  });

  it('fails bad input as the dialect names it', () => {
    const dialect = new ExampleDialect();
    expect(() => dialect.decode('{"event":"media","media":{"payload":"!!"}}', () => {})).toThrow(
      /Example media message/,
    );
    expect(() => dialect.decodeText(utf8('{"event":"nonsense"}'), () => {})).toThrow(
      InvalidPayloadError,
    );
    expect(dialect.specificationVersion).toBe('v1');
    expect(dialect.maxMessageBytes).toBe(16 * 1024);
  });
});
