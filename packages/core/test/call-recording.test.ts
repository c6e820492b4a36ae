import { describe, expect, it } from 'vitest';
import { CallRecorder, type RecordingSink } from '../src/index.js';

/** A sink keeping what it was given, as a WAV's data would hold it. */
function memorySink() {
  const chunks: Uint8Array[] = [];
  let finished: number | undefined;
  const sink: RecordingSink = {
    append: (pcm) => chunks.push(pcm.slice()),
    finish: async (total) => {
      finished = total;
    },
  };
  const channels = () => {
    const all = Buffer.concat(chunks);
    const caller: number[] = [];
    const agent: number[] = [];
    for (let i = 0; i + 4 <= all.length; i += 4) {
      caller.push(all.readInt16LE(i));
      agent.push(all.readInt16LE(i + 2));
    }
    return { caller, agent };
  };
  return { sink, channels, finished: () => finished };
}
const frame = (value: number, length = 160) => new Int16Array(length).fill(value);

describe('CallRecorder', () => {
  it('lays both sides on the wall clock: silence where a side sent nothing, a call as long as it lasted', async () => {
    const memory = memorySink();
    const recorder = new CallRecorder({ sampleRate: 8000, sink: memory.sink, slackMs: 100 });
    // The caller speaks for 100 ms from t=1000, the agent answers 200 ms later for 100 ms.
    for (let n = 0; n < 5; n++) recorder.tap.caller(frame(1000), 1000 + n * 20);
    recorder.flush(1200);
    for (let n = 0; n < 5; n++) recorder.tap.agent(frame(-2000), 1300 + n * 20);
    recorder.flush(1500);
    await recorder.finish(1600);
    const { caller, agent } = memory.channels();
    expect(caller.length).toBe(8000 * 0.6); // 600 ms: from the first audio to the end
    expect(agent.length).toBe(caller.length);
    expect(caller.slice(0, 800).every((s) => s === 1000)).toBe(true);
    expect(caller.slice(800).every((s) => s === 0)).toBe(true);
    expect(agent.slice(0, 2400).every((s) => s === 0)).toBe(true);
    expect(agent.slice(2400, 3200).every((s) => s === -2000)).toBe(true);
    expect(memory.finished()).toBe(caller.length * 4);
  });

  it('never overlaps a side’s audio when it arrives bunched, and never rewrites what was written', async () => {
    const memory = memorySink();
    const recorder = new CallRecorder({ sampleRate: 8000, sink: memory.sink, slackMs: 40 });
    recorder.tap.caller(frame(1), 0);
    recorder.tap.caller(frame(2), 5); // jitter: the next frame came 15 ms early
    recorder.flush(500);
    recorder.tap.caller(frame(3), 20); // very late: after its time was written
    await recorder.finish(600);
    const { caller } = memory.channels();
    expect(caller.slice(0, 160).every((s) => s === 1)).toBe(true);
    expect(caller.slice(160, 320).every((s) => s === 2)).toBe(true);
    // The late frame is kept, after what was already written, not lost.
    expect(caller.filter((s) => s === 3)).toHaveLength(160);
  });

  it('rides out network jitter without holes, and records a real pause as silence', async () => {
    const memory = memorySink();
    const recorder = new CallRecorder({ sampleRate: 8000, sink: memory.sink, slackMs: 100 });
    recorder.tap.caller(frame(1), 0);
    recorder.tap.caller(frame(2), 50); // 30 ms late: jitter, continues the audio
    recorder.tap.caller(frame(3), 60);
    recorder.tap.caller(frame(4), 400); // a real pause
    await recorder.finish(420);
    const { caller } = memory.channels();
    expect(caller.slice(0, 480)).toEqual([
      ...Array(160).fill(1),
      ...Array(160).fill(2),
      ...Array(160).fill(3),
    ]);
    expect(caller.slice(480, 3200).every((s) => s === 0)).toBe(true);
    expect(caller.slice(3200, 3360).every((s) => s === 4)).toBe(true);
  });

  it('writes as it goes when one side runs far ahead, within bounded memory', async () => {
    const memory = memorySink();
    const recorder = new CallRecorder({ sampleRate: 8000, sink: memory.sink, aheadMs: 200 });
    for (let n = 0; n < 100; n++) recorder.tap.agent(frame(7), 0); // 2 s queued at once
    expect(memory.channels().agent.length).toBeGreaterThan(0);
    await recorder.finish(0);
    expect(memory.channels().agent.filter((s) => s === 7)).toHaveLength(16000);
  });
});
