import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CallRecorder, type MediaTap, type RecordingSink } from '@patchbay/core';
import {
  expiredRecordings,
  forgetRecording,
  type RecordingFacts,
  recordRecording,
} from '../storage/call-store.js';
import { findOwned } from '../storage/owned.js';
import { announceCall } from './calls/call-feed.js';
import type { ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

const WAV_HEADER_BYTES = 44;
/** How often a recording goes to its file: what a crash can cut from its end. */
const FLUSH_MS = 500;

/** Where recordings live: files under the data directory by default; any store that keeps bytes will do. */
export interface RecordingStore {
  /** A sink writing the call's recording; it starts (and truncates) the file at once. */
  writer(callId: string, sampleRate: number): RecordingSink;
  /** The recording's size in bytes, or undefined when there is none. */
  size(callId: string): Promise<number | undefined>;
  /** Its bytes from `start` to `end`, inclusive. */
  read(callId: string, start: number, end: number): Readable;
  remove(callId: string): Promise<void>;
}

/** The header of a 16-bit stereo WAV holding `dataBytes` of PCM. */
function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22); // caller, agent
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * WAV files in `directory`, one per call. Each append writes its PCM and
 * then the header's two sizes, in order on one file handle, so the file is
 * at every moment a valid WAV of everything written so far: a crash leaves
 * a playable recording up to its last flush.
 */
export function fileRecordingStore(
  directory: string,
  onError: (error: unknown) => void,
): RecordingStore {
  const path = (callId: string) => join(directory, `${callId}.wav`);
  return {
    writer(callId, sampleRate) {
      let chain = mkdir(directory, { recursive: true })
        .then(() => open(path(callId), 'w'))
        .then(async (file) => {
          await file.write(wavHeader(sampleRate, 0), 0, WAV_HEADER_BYTES, 0);
          return file;
        });
      let failed = false;
      const step = (work: (file: Awaited<typeof chain>) => Promise<void>) => {
        chain = chain.then(async (file) => {
          if (!failed) await work(file);
          return file;
        });
        chain.catch((error: unknown) => {
          if (!failed) onError(error);
          failed = true;
        });
      };
      const sizes = (total: number) => {
        const header = wavHeader(sampleRate, total);
        return [header.subarray(4, 8), header.subarray(40, 44)] as const;
      };
      return {
        append(pcm, totalBytes) {
          step(async (file) => {
            await file.write(pcm, 0, pcm.length, WAV_HEADER_BYTES + totalBytes - pcm.length);
            const [riff, data] = sizes(totalBytes);
            await file.write(riff, 0, 4, 4);
            await file.write(data, 0, 4, 40);
          });
        },
        async finish(totalBytes) {
          step(async (file) => {
            const [riff, data] = sizes(totalBytes);
            await file.write(riff, 0, 4, 4);
            await file.write(data, 0, 4, 40);
          });
          const file = await chain.catch(() => undefined);
          await file?.close();
          if (failed) throw new Error(`recording ${callId} could not be written`);
        },
      };
    },
    async size(callId) {
      try {
        return (await stat(path(callId))).size;
      } catch {
        return undefined;
      }
    },
    read: (callId, start, end) => createReadStream(path(callId), { start, end }),
    remove: (callId) => rm(path(callId), { force: true }),
  };
}

/** A recording in progress: what the bridge feeds, and how to end it. */
export interface ActiveRecording {
  readonly tap: MediaTap;
  /** Writes the rest, closes the file, and keeps the facts on the call. */
  stop(): Promise<void>;
}

/**
 * Calls' recordings: made by the media bridge on every carrier alike (two
 * channels, the caller left and the agent right, at the agent's rate, on
 * the wall clock), served with range requests, deleted on request or after
 * the retention period.
 */
export class Recordings {
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly context: ServerContext,
    private readonly store: RecordingStore,
    private readonly retentionDays: number,
  ) {}

  /** Starts a call's recording; `clock` is the media bridge's, in milliseconds. */
  start(callId: string, sampleRate: number, clock: () => number): ActiveRecording {
    const recorder = new CallRecorder({ sampleRate, sink: this.store.writer(callId, sampleRate) });
    const flusher = setInterval(() => recorder.flush(clock()), FLUSH_MS);
    flusher.unref();
    let stopped: Promise<void> | undefined;
    return {
      tap: recorder.tap,
      stop: () => {
        stopped ??= (async () => {
          clearInterval(flusher);
          await recorder.finish(clock());
          const facts: RecordingFacts = {
            durationMs: Math.round(recorder.durationMs),
            bytes: (await this.store.size(callId)) ?? 0,
            sampleRate,
            channels: ['caller', 'agent'],
            createdAt: new Date().toISOString(),
          };
          await recordRecording(this.context.database.sql, callId, facts);
          await announceCall(this.context, callId);
        })().catch((error: unknown) =>
          this.context.logger.error({ callId, error: String(error) }, 'recording failed'),
        );
        return stopped;
      },
    };
  }

  /** The organization's call's recording, to serve. @throws ServerError `not_found` */
  async open(
    organizationId: string,
    callId: string,
  ): Promise<{ size: number; read(start: number, end: number): Readable }> {
    const call = await findOwned<{ id: string; recording: unknown }>(
      this.context.database.sql,
      'calls',
      callId,
      organizationId,
    );
    const size = call?.recording ? await this.store.size(call.id) : undefined;
    if (!call || size === undefined)
      throw new ServerError('not_found', 'The call has no recording');
    return { size, read: (start, end) => this.store.read(call.id, start, end) };
  }

  /** @throws ServerError `not_found` */
  async remove(organizationId: string, callId: string): Promise<void> {
    const call = await findOwned<{ id: string; recording: unknown }>(
      this.context.database.sql,
      'calls',
      callId,
      organizationId,
    );
    if (!call?.recording) throw new ServerError('not_found', 'The call has no recording');
    await this.store.remove(call.id);
    await forgetRecording(this.context.database.sql, call.id);
    await announceCall(this.context, call.id);
  }

  /** Deletes recordings past the retention period, now and hourly; 0 days keeps them. */
  startRetention(): void {
    if (this.retentionDays <= 0) return;
    const sweep = () =>
      this.sweep().catch((error: unknown) =>
        this.context.logger.error({ error: String(error) }, 'recording retention sweep failed'),
      );
    void sweep();
    this.sweeper = setInterval(sweep, 60 * 60_000);
    this.sweeper.unref();
  }

  /** Deletes what is past retention; returns how many. */
  async sweep(): Promise<number> {
    const expired = await expiredRecordings(this.context.database.sql, this.retentionDays);
    for (const callId of expired) {
      await this.store.remove(callId);
      await forgetRecording(this.context.database.sql, callId);
    }
    return expired.length;
  }

  stopRetention(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
