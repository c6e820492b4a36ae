/**
 * Every recording of a real Asterisk, replayed against the simulator: the
 * same requests and the same far-end behaviour (a caller dialing in, hanging
 * up, pressing a key; a callee answering, refusing, not answering; a
 * restart; another client taking the application), and the simulator must
 * answer with the same statuses, send the same events in the same order and
 * the same media-socket lines.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  type AriSimulator,
  type AsteriskRecordingStep,
  asteriskRecordingNames,
  loadAsteriskRecording,
  startAriSimulator,
  startWebSocketHost,
  type WebSocketHost,
} from '../src/index.js';

/** Events that say nothing a host acts on, and whose timing is Asterisk's own business. */
const UNCOMPARED = new Set([
  'ChannelVarset',
  'ChannelConnectedLine',
  'ChannelCallerId',
  'ChannelDialplan',
]);
const APP = 'patchbay_rec';
const AUTH = `Basic ${Buffer.from('patchbay:secret').toString('base64')}`;

type Json = Record<string, unknown>;
type EventStep = Extract<AsteriskRecordingStep, { kind: 'event' }>;

/** What of an event is compared: who, what, why; not names, clocks or caller ids. */
function projection(socket: string, event: Json) {
  const id = (value: unknown) => (value as Json | undefined)?.['id'];
  const state = (value: unknown) => (value as Json | undefined)?.['state'];
  return {
    socket,
    type: event['type'],
    channel: id(event['channel']),
    state: state(event['channel']),
    peer: id(event['peer']),
    peerState: state(event['peer']),
    caller: id(event['caller']),
    bridge: id(event['bridge']),
    cause: event['cause'],
    cause_txt: event['cause_txt'],
    soft: event['soft'],
    args: event['args'],
    dialstatus: event['dialstatus'],
    digit: event['digit'],
  };
}

/** Role bindings: `{caller}` in a recording is whatever id the simulator gave that channel. */
class Roles {
  private readonly bound = new Map<string, string>();
  /** Does `actual` fit `expected`, binding roles the first time they are seen? */
  unify(expected: unknown, actual: unknown): boolean {
    if (typeof expected !== 'string' || typeof actual !== 'string' || !expected.includes('{'))
      return JSON.stringify(expected) === JSON.stringify(actual);
    const names: string[] = [];
    const pattern = expected
      .split(/(\{[a-z0-9]+\})/)
      .map((part) => {
        if (!/^\{[a-z0-9]+\}$/.test(part)) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const bound = this.bound.get(part);
        if (bound) return bound.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(part);
        return '(.+?)';
      })
      .join('');
    const match = new RegExp(`^${pattern}$`).exec(actual);
    if (!match) return false;
    names.forEach((name, i) => {
      this.bound.set(name, match[i + 1]!);
    });
    return true;
  }
  canFill(text: string): boolean {
    return (text.match(/\{[a-z0-9]+\}/g) ?? []).every((role) => this.bound.has(role));
  }
  fill(text: string): string {
    return text.replace(/\{[a-z0-9]+\}/g, (role) => {
      const bound = this.bound.get(role);
      if (!bound) throw new Error(`role ${role} used before the simulator named it`);
      return bound;
    });
  }
}

interface Replay {
  simulator: AriSimulator;
  host: WebSocketHost;
  sockets: WebSocket[];
}
let replay: Replay | undefined;
afterEach(async () => {
  for (const socket of replay?.sockets ?? []) socket.terminate();
  await replay?.simulator.close();
  await replay?.host.close();
  replay = undefined;
});

async function replayRecording(flow: string) {
  const recording = loadAsteriskRecording(flow);
  const mediaIn: string[][] = [];
  const mediaSockets: WebSocket[] = [];
  const host = await startWebSocketHost({
    protocol: 'media',
    path: '/ari-media',
    onConnection: (socket) => {
      const lines: string[] = [];
      mediaIn.push(lines);
      mediaSockets.push(socket);
      socket.on('message', (data, binary) => {
        if (!binary) lines.push(String(data));
      });
    },
  });
  const simulator = await startAriSimulator({
    websocketClients: { patchbay: host.url, unreachable: 'ws://127.0.0.1:9/ari-media' },
  });
  const sockets: WebSocket[] = [];
  replay = { simulator, host, sockets };
  const roles = new Roles();
  const expected = recording.steps.filter(
    (step): step is EventStep =>
      step.kind === 'event' && !UNCOMPARED.has(String(step.event['type'])),
  );
  let matched = 0;
  const problems: string[] = [];
  const received: ReturnType<typeof projection>[] = [];

  /**
   * A snapshot taken in the millisecond its channel changed state may show
   * either side of the change (a Dial RINGING shows its peer Down in one
   * recording and Ringing in the next: Asterisk's threads race), so there
   * its state is not compared.
   */
  const racedStates = (step: EventStep): string[] => {
    const mine = projection(step.socket, step.event);
    const changed = expected
      .filter(
        (other) =>
          other !== step && other.at === step.at && other.event['type'] === 'ChannelStateChange',
      )
      .map((other) => projection(other.socket, other.event).channel);
    return [
      ...(changed.includes(mine.channel) && mine.type !== 'ChannelStateChange' ? ['state'] : []),
      ...(mine.peer !== undefined && changed.includes(mine.peer) ? ['peerState'] : []),
    ];
  };
  const fits = (step: EventStep, actual: ReturnType<typeof projection>) => {
    const want = projection(step.socket, step.event);
    const raced = racedStates(step);
    return (Object.keys(want) as (keyof typeof want)[]).every(
      (key) => raced.includes(key) || roles.unify(want[key], actual[key]),
    );
  };
  const onEvent = (socket: string, event: Json) => {
    if (UNCOMPARED.has(String(event['type']))) return;
    const actual = projection(socket, event);
    received.push(actual);
    const next = expected[matched];
    const after = expected[matched + 1];
    if (next && fits(next, actual)) matched++;
    // Events Asterisk sent within one millisecond may come in either order (its threads race).
    else if (next && after && after.at === next.at && fits(after, actual)) {
      expected[matched + 1] = next;
      expected[matched] = after;
      matched++;
    } else
      problems.push(
        `unexpected ${JSON.stringify(actual)}; expected ${next ? JSON.stringify(projection(next.socket, next.event)) : 'nothing more'}`,
      );
  };
  const openEvents = async (name: string) => {
    for (let attempt = 0; ; attempt++) {
      const socket = new WebSocket(`${simulator.url.replace('http', 'ws')}/ari/events?app=${APP}`, {
        headers: { authorization: AUTH },
      });
      try {
        await new Promise((resolve, reject) => {
          socket.once('open', resolve);
          socket.once('error', reject);
        });
        socket.on('message', (data) => onEvent(name, JSON.parse(String(data)) as Json));
        sockets.push(socket);
        named.set(name, socket);
        return;
      } catch (error) {
        if (attempt > 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const named = new Map<string, WebSocket>();
  /** Waits until every compared event recorded up to `t` has come. */
  const until = async (t: number) => {
    const before = (step: AsteriskRecordingStep) => step.at < t;
    const due = expected.filter(before).length;
    const linesDue = recording.steps.filter(
      (step) => step.kind === 'media-in' && before(step),
    ).length;
    const waiting = () =>
      problems.length > 0
        ? problems
        : matched < due
          ? `still waiting for ${JSON.stringify(projection(expected[matched]!.socket, expected[matched]!.event))}`
          : mediaIn.flat().length < linesDue
            ? `still waiting for media line ${linesDue}`
            : 'caught up';
    await expect.poll(waiting, { timeout: 6000 }).toBe('caught up');
  };

  for (const step of recording.steps) {
    switch (step.kind) {
      case 'events-open':
        // Opened before it is logged: what Asterisk sent the other sockets meanwhile may be its doing.
        await openEvents(step.socket);
        break;
      case 'events-close':
        // An abnormal close is Asterisk's (a restart); a clean one is the recorder's own.
        if (step.code === 1000) {
          await until(step.at);
          const socket = named.get(step.socket);
          await new Promise((resolve) => {
            socket?.once('close', resolve);
            socket?.close();
          });
        }
        break;
      case 'sipp-start': {
        await until(step.at);
        const [side, scenario] = step.label.split(':');
        if (side === 'caller')
          simulator.placeInboundCall({ app: APP, exten: '6001', callerNumber: '15551239999' });
        else
          simulator.onOriginate(() =>
            scenario === 'uas-busy'
              ? { cause: 17 }
              : scenario === 'uas-noanswer'
                ? { cause: 19 }
                : { answer: true, afterMs: 2, ringing: scenario !== 'uas-answer-hangup' },
          );
        break;
      }
      case 'request': {
        await until(step.sentAt);
        // A role named in the same millisecond as the request is bound as soon as its event comes.
        const text = JSON.stringify([step.path, step.query]);
        await expect.poll(() => problems.length > 0 || roles.canFill(text)).toBe(true);
        const query = new URLSearchParams(
          Object.entries(step.query).map(([k, v]): [string, string] => [k, roles.fill(v)]),
        );
        const response = await fetch(
          `${simulator.url}/ari${roles.fill(step.path)}${query.size ? `?${query}` : ''}`,
          { method: step.method, headers: { authorization: AUTH } },
        );
        await response.body?.cancel();
        expect(response.status, `${step.method} ${step.path}`).toBe(step.status);
        break;
      }
      case 'event': {
        const type = step.event['type'];
        const channel = (step.event['channel'] as Json | undefined)?.['id'] as string | undefined;
        // The far end's doing, not Asterisk's answer to us: make it happen.
        if (type === 'ChannelHangupRequest' && step.event['cause'] === undefined && channel) {
          await until(step.at);
          simulator.hangUp(roles.fill(channel));
        } else if (type === 'ChannelDtmfReceived' && channel) {
          await until(step.at);
          simulator.sendDtmf(roles.fill(channel), String(step.event['digit']));
        }
        break;
      }
      case 'media-out':
        await until(step.at);
        mediaSockets[step.session]?.send(step.text);
        break;
      case 'note':
        if (step.text === 'core restart now') {
          await until(step.at);
          await simulator.restart(400);
        } else if (step.text === 'host closes the media socket') {
          await until(step.at);
          mediaSockets.at(-1)?.close(1000);
        }
        break;
      default:
        break;
    }
  }
  await until(Number.POSITIVE_INFINITY);
  // Anything more than Asterisk sent is wrong too.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(problems).toEqual([]);
  expect(matched).toBe(expected.length);

  const recordedLines = recording.steps
    .filter((step) => step.kind === 'media-in')
    .map((step) => (step as { text: string }).text);
  const normalize = (line: string) => line.replace(/0x[0-9a-f]+/g, '0x…');
  expect(mediaIn.flat().map(normalize)).toEqual(recordedLines.map((l) => normalize(roles.fill(l))));
  return { recording, received };
}

describe('the ARI simulator replays what a real Asterisk did', () => {
  it('has recordings of every flow the providers rely on', () => {
    expect(asteriskRecordingNames()).toEqual(
      expect.arrayContaining([
        'inbound-caller-hangs-up',
        'inbound-caller-hangs-up-unsubscribed',
        'inbound-api-hangs-up',
        'inbound-agent-hangs-up',
        'inbound-media-closed-by-host',
        'inbound-media-unreachable',
        'outbound-pjsip-answered',
        'outbound-pjsip-busy',
        'outbound-pjsip-no-answer',
        'outbound-pjsip-canceled',
        'outbound-local-answered',
        'outbound-local-busy',
        'outbound-local-no-answer',
        'outbound-local-canceled',
        'transfer-answered-caller-hangs-up',
        'transfer-destination-hangs-up',
        'transfer-refused',
        'app-replaced',
        'asterisk-restart',
      ]),
    );
  });

  for (const flow of asteriskRecordingNames())
    it(flow, async () => {
      const { recording } = await replayRecording(flow);
      expect(recording.asterisk).toMatch(/^22\./);
    }, 20_000);
});
