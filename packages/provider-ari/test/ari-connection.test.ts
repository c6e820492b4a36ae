import { CarrierApiError, InvalidPayloadError, silentLogger } from '@patchbay/core';
import { type AriSimulator, startAriSimulator } from '@patchbay/testkit';
import { describe, expect, it } from 'vitest';
import { ari, callAri } from '../src/index.js';
import { ariConfig } from './fixtures.js';

describe('callAri', () => {
  it('turns Asterisk failures into typed carrier errors, 404 for not found', async () => {
    const error = await callAri(
      'get call',
      async () => {
        throw new Error('{"message":"Channel not found"}');
      },
      'three_cx',
    ).catch((caught: unknown) => caught);
    expect(CarrierApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'three_cx', operation: 'get call', statusCode: 404 });
  });

  it('lets a Patchbay error from preparing the call through as it is', async () => {
    const refused = new InvalidPayloadError('destination', 'not a number');
    await expect(
      callAri('originate', async () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
  });
});

describe('several Asterisks in one process', () => {
  it('sends each configuration’s calls with its own credentials, and refuses a wrong password typed', async () => {
    // ari-client keeps swagger's credentials process-wide: the last client connected
    // used to sign every client's REST calls.
    const first = await startAriSimulator({ username: 'first', password: 'first-secret' });
    const second = await startAriSimulator({ username: 'second', password: 'second-secret' });
    try {
      const config = (url: string, user: string, password: string) => ({
        ...ariConfig(url),
        app_name: user,
        app_password: password,
      });
      const a = ari().create(config(first.url, 'first', 'first-secret'), { logger: silentLogger });
      const b = ari().create(config(second.url, 'second', 'second-secret'), {
        logger: silentLogger,
      });
      await Promise.all([
        a.placeCall({
          to: '+15551230001',
          from: '+15551230000',
          answerUrl: '',
          statusCallbackUrl: '',
          mediaStreamUrl: 'wss://h/m?call=1',
        }),
        b.placeCall({
          to: '+15551230002',
          from: '+15551230000',
          answerUrl: '',
          statusCallbackUrl: '',
          mediaStreamUrl: 'wss://h/m?call=2',
        }),
      ]);
      const placedOn = (simulator: AriSimulator) =>
        simulator.requests.filter(
          (request) => request.method === 'POST' && request.path === '/channels',
        );
      expect(placedOn(first)).toHaveLength(1);
      expect(placedOn(second)).toHaveLength(1);

      const wrong = ari().create(config(first.url, 'first', 'not-it'), { logger: silentLogger });
      const refused = await wrong.hangUp('any').catch((error: unknown) => error);
      expect(CarrierApiError.isInstance(refused)).toBe(true);
      expect(refused).toMatchObject({ statusCode: 401 });
      expect(String((refused as Error).message)).not.toContain('not-it');
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('an Asterisk with API definitions missing', () => {
  it('is a typed connection failure, not a crash of the process (swagger-client throws uncaught)', async () => {
    // What a real Asterisk serves when `make install` stopped before installing rest-api/*.json.
    const { cpSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const docs = mkdtempSync(join(tmpdir(), 'ari-docs-'));
    try {
      const full = new URL('../../testkit/ari-api-docs/', import.meta.url);
      cpSync(full, docs, { recursive: true });
      rmSync(join(docs, 'asterisk.json'));
      const broken = await startAriSimulator({ apiDocsDir: docs });
      try {
        const details: string[] = [];
        const source = ari({
          reconnect: { initialDelayMs: 50, maxDelayMs: 100, stableAfterMs: 1000 },
        }).eventSource!(ariConfig(broken.url), { logger: silentLogger });
        await source.start({
          inboundCall: async () => ({ accept: false, reason: 'internal-error' }),
          status: () => {},
          connection: (state, detail) => details.push(`${state}: ${detail}`),
        });
        await source.stop();
        expect(details[0]).toMatch(
          /disconnected: .*Asterisk answered the API definition \/api-docs\/asterisk\.json with 404/,
        );
      } finally {
        await broken.close();
      }
    } finally {
      rmSync(docs, { recursive: true, force: true });
    }
  });
});

describe('one Asterisk that never finishes loading', () => {
  it('does not stop another configuration from connecting', async () => {
    const { createServer } = await import('node:http');
    // Answers the probe, then leaves one API definition hanging forever, as a server
    // that went away halfway leaves swagger-client: its load never settles.
    const good = await startAriSimulator();
    let hanging = false;
    const stuck = createServer(async (request, response) => {
      if (hanging && request.url?.includes('channels.json')) return; // never answered
      try {
        const upstream = await fetch(`${good.url}${request.url}`, {
          headers: { authorization: request.headers.authorization ?? '' },
        });
        const body = (await upstream.text()).replaceAll(good.url, stuckUrl);
        response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
        if (request.url?.endsWith('resources.json') && probes++ > 0) hanging = true;
      } catch {
        response.destroy(); // the test is over and the simulator gone
      }
    });
    let probes = 0;
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    const stuckUrl = `http://127.0.0.1:${(stuck.address() as { port: number }).port}`;
    const policy = {
      initialDelayMs: 50,
      maxDelayMs: 100,
      stableAfterMs: 1000,
      attemptTimeoutMs: 400,
    };
    const handlers = (states: string[]) => ({
      inboundCall: async () => ({ accept: false as const, reason: 'internal-error' as const }),
      status: () => {},
      connection: (state: string) => states.push(state),
    });
    const stuckStates: string[] = [];
    const goodStates: string[] = [];
    const first = ari({ reconnect: policy }).eventSource!(ariConfig(stuckUrl), {
      logger: silentLogger,
    });
    const second = ari({ reconnect: policy }).eventSource!(ariConfig(good.url), {
      logger: silentLogger,
    });
    try {
      void first.start(handlers(stuckStates));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await second.start(handlers(goodStates));
      // Without a bound on the wait, it would queue behind the stuck load for ever.
      await expect.poll(() => goodStates, { timeout: 3000 }).toContain('connected');
    } finally {
      await first.stop();
      await second.stop();
      stuck.closeAllConnections();
      stuck.close();
      await good.close();
    }
  });
});
