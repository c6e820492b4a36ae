import { readFileSync } from 'node:fs';
import type { CarrierMessage } from '@patchbay/core';
import { WebSocket } from 'ws';

/** One message of a recorded carrier media session, and when to send it. */
export interface TranscriptEntry {
  readonly message: CarrierMessage;
  /** Milliseconds after the previous entry; default: 20 for audio frames, 0 otherwise. */
  readonly delayMs?: number;
}

/**
 * Reads a transcript file: one carrier message per line. A line holding
 * `{"$binary": "<base64>"}` is a binary frame; any other line is sent as the
 * text frame it is, byte for byte. Blank lines and lines starting with `#`
 * are skipped.
 */
export function loadTranscript(path: string): CarrierMessage[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      if (line.startsWith('{"$binary"')) {
        const { $binary } = JSON.parse(line) as { $binary: string };
        return new Uint8Array(Buffer.from($binary, 'base64'));
      }
      return line;
    });
}

/** A client connection that plays the carrier's side of a media socket. */
export interface CarrierMediaSession {
  /** Everything the server sent, in order: text frames as strings, binary frames as bytes. */
  readonly received: CarrierMessage[];
  send(message: CarrierMessage): void;
  /**
   * Sends the entries in real time, each after its delay (measured from a
   * fixed start so delays do not add up drift), and resolves after the last.
   * `isAudio` decides which plain messages get the default 20 ms spacing.
   */
  play(
    entries: readonly (TranscriptEntry | CarrierMessage)[],
    options?: {
      readonly frameMs?: number;
      readonly isAudio?: (message: CarrierMessage) => boolean;
    },
  ): Promise<void>;
  /** Resolves with the first received message (past or future) that satisfies `predicate`. */
  waitFor(
    predicate: (message: CarrierMessage) => boolean,
    timeoutMs?: number,
  ): Promise<CarrierMessage>;
  /** Resolves when the server closes the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(code?: number): Promise<void>;
}

const defaultIsAudio = (message: CarrierMessage) =>
  typeof message !== 'string' || /"(media|audio|playAudio)"/.test(message.slice(0, 80));

/** Opens a WebSocket to a host's media endpoint, as a carrier would. */
export async function connectCarrierMedia(
  url: string,
  options: { readonly headers?: Record<string, string>; readonly protocols?: string[] } = {},
): Promise<CarrierMediaSession> {
  const socket = new WebSocket(url, options.protocols, { headers: options.headers ?? {} });
  const received: CarrierMessage[] = [];
  const waiters: {
    predicate: (m: CarrierMessage) => boolean;
    resolve: (m: CarrierMessage) => void;
  }[] = [];
  socket.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const message: CarrierMessage = isBinary ? new Uint8Array(bytes) : bytes.toString('utf8');
    received.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`media socket refused with HTTP ${response.statusCode}`)),
    );
  });

  const send = (message: CarrierMessage) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(message);
  };

  return {
    received,
    send,
    async play(entries, playOptions = {}) {
      const frameMs = playOptions.frameMs ?? 20;
      const isAudio = playOptions.isAudio ?? defaultIsAudio;
      const start = performance.now();
      let due = 0;
      for (const entry of entries) {
        const { message, delayMs } =
          typeof entry === 'string' || entry instanceof Uint8Array
            ? { message: entry, delayMs: undefined }
            : entry;
        due += delayMs ?? (isAudio(message) ? frameMs : 0);
        const wait = start + due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        send(message);
      }
    },
    waitFor(predicate, timeoutMs = 5000) {
      const found = received.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(
            waiters.findIndex((w) => w.resolve === done),
            1,
          );
          reject(
            new Error(
              `no matching media message within ${timeoutMs} ms (${received.length} received)`,
            ),
          );
        }, timeoutMs);
        const done = (message: CarrierMessage) => {
          clearTimeout(timer);
          resolve(message);
        };
        waiters.push({ predicate, resolve: done });
      });
    },
    closed,
    async close(code = 1000) {
      if (socket.readyState === WebSocket.OPEN) socket.close(code);
      await closed;
    },
  };
}
