import {
  type CallDirection,
  type Logger,
  type MediaAgent,
  type MediaBridge,
  PatchbayError,
} from '@patchbay/core';
import WebSocket from 'ws';
import type { AnsweringMachineSignal, TransferSignal } from '../calls/call-signals.js';
import { transferBody } from '../calls/transfer-request.js';
import { ServerError } from '../server-errors.js';

export const AGENT_STREAM_PROTOCOL = 'patchbay.agent-stream.v1';

/** Caller audio kept while the agent's socket is still opening: one second at most. */
const MAX_PENDING_FRAMES = 50;

export interface WebSocketAgentOptions {
  readonly url: string;
  readonly sampleRate: number;
  readonly call: {
    readonly callId: string;
    readonly direction: CallDirection;
    readonly from: string;
    readonly to: string;
  };
  /** The bridge the agent drives; set once the bridge exists. */
  bridge(): MediaBridge | undefined;
  /** Starts a transfer the agent asked for; its progress comes back through `transferUpdate`. */
  requestTransfer(request: ReturnType<typeof transferBody.parse>): Promise<void>;
  readonly logger: Logger;
}

/** The agent-stream agent, which also hears how its transfers go. */
export interface WebSocketAgent extends MediaAgent {
  transferUpdate(signal: TransferSignal): void;
  answeringMachine(signal: AnsweringMachineSignal): void;
}

type AgentCommand = {
  type?: unknown;
  name?: unknown;
  destination?: unknown;
  from?: unknown;
  timeoutSeconds?: unknown;
};

/**
 * A media agent that speaks the agent-stream protocol (docs/agent-stream.md)
 * to a WebSocket the server dials for the call.
 */
export function createWebSocketAgent(options: WebSocketAgentOptions): WebSocketAgent {
  const { logger } = options;
  const socket = new WebSocket(options.url, AGENT_STREAM_PROTOCOL, { maxPayload: 1024 * 1024 });
  const pending: Buffer[] = [];
  let started: string | undefined;
  let ended = false;
  /** Told to wait (`pause`) and not yet told to go on. */
  let paused = false;

  const sendJson = (message: Record<string, unknown>) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const error = (code: string, message: string) => sendJson({ type: 'error', code, message });

  socket.on('open', () => {
    if (started) socket.send(started);
    for (const frame of pending.splice(0)) socket.send(frame);
  });
  socket.on('message', (data, isBinary) => {
    const bridge = options.bridge();
    if (!bridge) return;
    // ws hands over Buffers (an array of them for a fragmented message).
    const bytes = Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
    if (isBinary) {
      if (bytes.length % 2 !== 0) return error('odd_length', 'audio must be whole 16-bit samples');
      // The bridge copies what it is given at once, so an aligned view serves; only an
      // odd offset into ws's receive buffer needs a copy.
      const samples =
        bytes.byteOffset % 2 === 0
          ? new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
          : new Int16Array(new Uint8Array(bytes).buffer);
      const dropped = bridge.droppedMs;
      const room = bridge.sendAudio(samples);
      if (!room && !paused) {
        paused = true;
        sendJson({ type: 'pause', queuedMs: Math.round(bridge.queuedMs) });
      }
      if (bridge.droppedMs > dropped)
        error(
          'audio_dropped',
          `the playback queue is full: ${Math.round(bridge.droppedMs - dropped)} ms dropped; wait for resume after pause`,
        );
      return;
    }
    let command: AgentCommand;
    try {
      command = JSON.parse(bytes.toString('utf8')) as AgentCommand;
    } catch {
      return error('invalid_json', 'text messages are JSON');
    }
    switch (command.type) {
      case 'clear':
        return bridge.clear();
      case 'mark':
        if (typeof command.name !== 'string' || command.name === '' || command.name.length > 100)
          return error('invalid_mark', 'a mark needs a name of 1 to 100 characters');
        return bridge.mark(command.name);
      case 'hangup':
        return bridge.hangUp();
      case 'transfer': {
        const request = transferBody.safeParse({
          destination: command.destination,
          from: command.from,
          timeoutSeconds: command.timeoutSeconds,
        });
        if (!request.success)
          return error(
            'invalid_transfer',
            request.error.issues
              .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
              .join('; '),
          );
        options.requestTransfer(request.data).catch((failure: unknown) => {
          // Refusals have codes (call_not_live, transfers_unsupported, a carrier's), faults do not.
          const code =
            failure instanceof ServerError || PatchbayError.isInstance(failure)
              ? failure.code
              : 'transfer_failed';
          error(code, failure instanceof Error ? failure.message : String(failure));
        });
        return;
      }
      default:
        return error('unknown_type', `unknown message type ${JSON.stringify(command.type)}`);
    }
  });
  socket.on('error', (failure) =>
    logger.warn({ callId: options.call.callId, error: failure.message }, 'agent socket error'),
  );
  socket.on('close', () => {
    // The agent left: the call's media ends with it.
    if (!ended) options.bridge()?.hangUp();
  });

  return {
    start(info) {
      started = JSON.stringify({
        type: 'start',
        version: 1,
        ...options.call,
        audio: { encoding: 'pcm16le', sampleRate: info.sampleRate, channels: 1, frameMs: 20 },
        customParameters: info.customParameters,
      });
      if (socket.readyState === WebSocket.OPEN) socket.send(started);
    },
    audio(samples) {
      // A copy: the bridge reuses its buffer, and ws may still hold this one.
      const frame = Buffer.from(
        new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
      );
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      else if (socket.readyState === WebSocket.CONNECTING && pending.length < MAX_PENDING_FRAMES)
        pending.push(frame);
    },
    dtmf(digit) {
      sendJson({ type: 'dtmf', digit });
    },
    drain() {
      if (!paused) return;
      paused = false;
      sendJson({ type: 'resume', queuedMs: Math.round(options.bridge()?.queuedMs ?? 0) });
    },
    mark(name, played) {
      sendJson({ type: 'mark', name, played });
    },
    answeringMachine(signal) {
      sendJson({
        type: 'amd',
        answeredBy: signal.answeredBy,
        ...(signal.greeting ? { greeting: signal.greeting } : {}),
        carrierLabel: signal.carrierLabel,
      });
    },
    transferUpdate(signal) {
      sendJson({
        type: 'transfer',
        transferId: signal.transferId,
        status: signal.status,
        ...(signal.reason ? { reason: signal.reason } : {}),
      });
    },
    stop(reason) {
      ended = true;
      sendJson({ type: 'stop', reason });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'call ended');
    },
  };
}
