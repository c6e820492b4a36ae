import { silentLogger } from '@patchbay/core';
import { startTestDatabase, type TestDatabase } from '@patchbay/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALL_SIGNAL_CHANNEL,
  type CallSignal,
  type CallSignals,
  localCallSignals,
  postgresCallSignals,
  type TransferSignal,
} from '../src/services/calls/call-signals.js';

const signal = (callId: string, status: TransferSignal['status']): TransferSignal => ({
  callId,
  type: 'transfer',
  transferId: 't-1',
  status,
});

/** What every transport must do: deliver by call, to every listener, until unsubscribed. */
async function deliversByCall(publisher: CallSignals, listener: CallSignals): Promise<void> {
  const first: CallSignal[] = [];
  const second: CallSignal[] = [];
  const other: CallSignal[] = [];
  const stopFirst = listener.subscribe('call-1', (s) => first.push(s));
  listener.subscribe('call-1', (s) => second.push(s));
  listener.subscribe('call-2', (s) => other.push(s));
  // A listener that throws does not keep the signal from the others.
  listener.subscribe('call-1', () => {
    throw new Error('listener bug');
  });
  await publisher.publish(signal('call-1', 'pending'));
  await expect.poll(() => second).toHaveLength(1);
  stopFirst();
  await publisher.publish(signal('call-1', 'answered'));
  await expect.poll(() => second).toHaveLength(2);
  expect(first).toEqual([signal('call-1', 'pending')]);
  expect(second.map((s) => (s as TransferSignal).status)).toEqual(['pending', 'answered']);
  expect(other).toEqual([]);
}

describe('in-process call signals', () => {
  it('deliver by call, to every listener, until unsubscribed', async () => {
    const signals = localCallSignals(silentLogger);
    await deliversByCall(signals, signals);
  });
});

describe('call signals over LISTEN/NOTIFY', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await startTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('reach a listener on another connection, as on another process', async (context) => {
    // PGlite is one session and does not deliver NOTIFY over its socket: the embedded
    // server is one process and uses the in-process signals above. Reported as skipped.
    if (database.kind !== 'postgres') context.skip();
    const otherProcess = postgres(database.url, { max: 2, onnotice: () => {} });
    const publisher = await postgresCallSignals(database.sql, silentLogger);
    const listener = await postgresCallSignals(otherProcess, silentLogger);
    try {
      await deliversByCall(publisher, listener);
      // Something else on the channel that is not a signal is ignored.
      await database.sql`select pg_notify(${CALL_SIGNAL_CHANNEL}, 'not json')`;
      const after: CallSignal[] = [];
      listener.subscribe('call-3', (s) => after.push(s));
      await publisher.publish(signal('call-3', 'connected'));
      await expect.poll(() => after).toHaveLength(1);
    } finally {
      await publisher.close();
      await listener.close();
      await otherProcess.end({ timeout: 5 });
    }
  });
});
