/**
 * `pnpm bench` (this package's part): what one 20 ms Twilio frame costs on
 * its way through Patchbay, stage by stage, in one process with no sockets,
 * beside what the bare `ws` echo does with the same message. Prints
 * nanoseconds per frame (median of rounds) and the heap each 10,000 frames
 * leave behind, measured with no garbage collection in between.
 *
 *   pnpm --filter @patchbay/server bench [-- --calls 300]
 *
 * The round trip runs `--calls` bridges in turn, as a loaded server does:
 * one warm bridge alone keeps every table and buffer in cache and looks
 * cheaper than a call among hundreds.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { createResampler, mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  type BridgeClock,
  type CarrierSocket,
  createMediaBridge,
  type MediaBridge,
} from '@patchbay/core';
import { TwilioMediaSerializer } from '@patchbay/provider-twilio';
import { twilioMediaMessage } from './harness.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    calls: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '7' },
    'round-ms': { type: 'string', default: '200' },
    /** Only the stages whose name contains this. */
    only: { type: 'string', default: '' },
  },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const ROUND_MS = Number(values['round-ms']);

/** A speech-like mu-law payload (a tone and noise), so no stage sees only zeros. */
function speechPayload(seed: number): string {
  const samples = new Int16Array(160);
  let noise = seed;
  for (let i = 0; i < samples.length; i++) {
    noise = (noise * 48271) % 2147483647;
    samples[i] = Math.round(
      6000 * Math.sin((2 * Math.PI * 440 * i) / 8000) + (noise / 2147483647 - 0.5) * 2000,
    );
  }
  const codes = new Uint8Array(160);
  mulawEncode(samples, codes);
  return Buffer.from(codes).toString('base64');
}

/** The bytes a `ws` server hands its message listener for frame `frame` of call `call`. */
const messages = Array.from({ length: CALLS }, (_, call) =>
  Buffer.from(twilioMediaMessage(call, 100, speechPayload(call + 1))),
);

/**
 * Median nanoseconds per `step()` over several rounds, after a warm-up.
 * Each candidate gets its own compiled loop so no call site turns
 * megamorphic and flatters whichever ran first.
 */
function measure(step: (i: number) => void): number {
  const runner = new Function(
    'step',
    'deadline',
    `let calls = 0;
     const start = process.hrtime.bigint();
     let now = start;
     while (now < deadline) {
       for (let k = 0; k < 64; k++) step(calls + k);
       calls += 64;
       now = process.hrtime.bigint();
     }
     return Number(now - start) / calls;`,
  ) as (step: (i: number) => void, deadline: bigint) => number;
  const runFor = (ms: number) => runner(step, process.hrtime.bigint() + BigInt(ms * 1e6));
  runFor(ROUND_MS * 2);
  const rounds = Array.from({ length: ROUNDS }, () => runFor(ROUND_MS)).sort((a, b) => a - b);
  return rounds[Math.floor(ROUNDS / 2)]!;
}

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

/**
 * Heap bytes left behind per 10,000 `step()` calls, read with no collection
 * in between (run with a young generation large enough: see the script).
 * Undefined when a collection ran anyway, which would hide allocations.
 */
async function heapPer10k(step: (i: number) => void): Promise<number | undefined> {
  for (let i = 0; i < 20_000; i++) step(i); // warm: lazy buffers grown, code optimized
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  await new Promise((resolve) => setTimeout(resolve, 50)); // lets the observer report that collection
  const gcsBefore = gcs;
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < 10_000; i++) step(i);
  const after = getHeapStatistics().used_heap_size;
  await new Promise((resolve) => setTimeout(resolve, 50));
  return gcs === gcsBefore ? after - before : undefined;
}

/** A media socket that only counts what the bridge sends: the bench measures Patchbay, not the kernel. */
class CountingSocket implements CarrierSocket {
  readyState = 1;
  sent = 0;
  listener: ((data: Uint8Array, isBinary: boolean) => void) | undefined;
  send(): void {
    this.sent++;
  }
  close(): void {}
  on(event: string, listener: (...args: never[]) => void): this {
    if (event === 'message')
      this.listener = listener as unknown as (data: Uint8Array, isBinary: boolean) => void;
    return this;
  }
}

/** A clock the bench moves one frame per frame, so pacing sends each echo at once. */
function steppedClock(): BridgeClock & { tick(): void } {
  let now = 0;
  return {
    now: () => now,
    tick() {
      now += 20;
    },
    setInterval: () => undefined,
    clearInterval: () => {},
    setTimeout: () => undefined,
    clearTimeout: () => {},
  };
}

/** `CALLS` bridges to an echo agent at `agentRate`, each started as Twilio starts a stream. */
function bridges(agentRate: number) {
  const clock = steppedClock();
  const calls = messages.map((_, index) => {
    const socket = new CountingSocket();
    let bridge: MediaBridge | undefined;
    bridge = createMediaBridge({
      socket,
      serializer: new TwilioMediaSerializer(),
      agentSampleRate: agentRate,
      clock,
      agent: { audio: (samples) => bridge!.sendAudio(samples) },
    });
    socket.listener!(
      Buffer.from(
        JSON.stringify({
          event: 'start',
          streamSid: `MZ${index}`,
          start: { streamSid: `MZ${index}`, callSid: `CA${index}`, customParameters: {} },
        }),
      ),
      false,
    );
    return socket;
  });
  return {
    /** Frame `i`: one call's message in, its echo out. */
    received: 0,
    step(i: number) {
      this.received++;
      const call = i % CALLS;
      if (call === 0) clock.tick();
      calls[call]!.listener!(messages[call]!, false);
    },
    get sent() {
      return calls.reduce((total, socket) => total + socket.sent, 0);
    },
  };
}

const utf8 = new TextDecoder();
const strings = messages.map((bytes) => utf8.decode(bytes));
const payloads = strings.map(
  (text) => (JSON.parse(text) as { media: { payload: string } }).media.payload,
);
const codes = Buffer.alloc(160);
const narrow = new Int16Array(160);
const wide = new Int16Array(400);
const up = createResampler({ from: 8000, to: 16000 });
const down = createResampler({ from: 16000, to: 8000 });
const wideFrame = new Int16Array(320).map((_, i) => Math.round(5000 * Math.sin(i / 7)));
const serializer = new TwilioMediaSerializer({ streamId: 'MZ0' });
const ignore = () => {};

interface Row {
  readonly stage: string;
  readonly step: (i: number) => void;
  /** Frames in the bench a row's step stands for (a round trip is one frame each way). */
  readonly note?: string;
}

const rows: Row[] = [
  {
    stage: 'ws echo: message to text, media check (echo-ceiling.ts)',
    step: (i) => void String(messages[i % CALLS]!).includes('"event":"media"'),
  },
  { stage: 'UTF-8 bytes to string', step: (i) => void utf8.decode(messages[i % CALLS]!) },
  { stage: 'JSON.parse of the message', step: (i) => void JSON.parse(strings[i % CALLS]!) },
  {
    stage: 'base64 decode of the payload',
    step: (i) => void codes.write(payloads[i % CALLS]!, 0, 'base64'),
  },
  { stage: 'mu-law decode, 160 samples', step: () => mulawDecode(codes, narrow) },
  { stage: 'resample 8 kHz -> 16 kHz', step: () => void up.processInto(narrow, wide) },
  { stage: 'resample 16 kHz -> 8 kHz', step: () => void down.processInto(wideFrame, wide) },
  { stage: 'mu-law encode, 160 samples', step: () => mulawEncode(narrow, codes) },
  { stage: 'base64 encode of the payload', step: () => void codes.toString('base64', 0, 160) },
  {
    stage: 'Twilio serializer: decode a media message',
    step: (i) => serializer.decode(strings[i % CALLS]!, ignore),
  },
  {
    stage: 'Twilio serializer: encode a media message',
    step: () => void serializer.encodeAudio(narrow),
  },
];

const roundTrip8k = bridges(8000);
const roundTrip16k = bridges(16000);
// The round trips run first: the single stages after them call the same functions with
// other arguments, and code that has seen those first runs the round trips slower than a
// server (which runs only round trips) would.
rows.unshift(
  { stage: `bridge round trip, ${CALLS} calls, agent at 8 kHz`, step: (i) => roundTrip8k.step(i) },
  {
    stage: `bridge round trip, ${CALLS} calls, agent at 16 kHz`,
    step: (i) => roundTrip16k.step(i),
  },
);

console.log(
  `frame cost: one 20 ms Twilio frame, ${CALLS} calls in turn; Node ${process.version}; median of ${ROUNDS} rounds of ${ROUND_MS} ms\n`,
);
console.log('| stage | ns per frame | heap left per 10,000 frames |');
console.log('| --- | ---: | ---: |');
for (const row of rows.filter((row) => row.stage.includes(values.only))) {
  const ns = measure(row.step);
  const heap = await heapPer10k(row.step);
  const heapText =
    heap === undefined ? 'a collection ran: rerun' : `${Math.max(0, Math.round(heap / 1024))} KiB`;
  console.log(`| ${row.stage} | ${ns.toFixed(0)} | ${heapText} |`);
}
// An echo that never came back would make the round trips look cheap.
for (const trip of [roundTrip8k, roundTrip16k])
  if (trip.received > 0 && trip.sent < trip.received * 0.99)
    throw new Error(`the bridges sent ${trip.sent} echoes for ${trip.received} frames`);
console.log(
  `\nA round trip is one frame in and its echo out. Heap is V8's used heap after minus before, no collection between (${performance.nodeTiming.duration.toFixed(0)} ms in all).`,
);
