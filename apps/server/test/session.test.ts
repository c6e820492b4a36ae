/**
 * Console sessions: an API key exchanged for an HttpOnly, SameSite=Strict
 * cookie; the session acts as its key (and ends with it); its
 * state-changing requests must echo the CSRF token a cross-site page
 * cannot read.
 */
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(createRegistry([ari()]));
});
afterAll(async () => t?.close());

async function signIn(apiKey: string) {
  const response = await t.server.inject({
    method: 'POST',
    url: '/api/v1/session',
    payload: { apiKey },
  });
  const cookie = response.cookies.find((c) => c.name === 'patchbay_session');
  return { response, cookie, body: response.json() };
}

const asSession = (
  cookie: string,
  method: string,
  url: string,
  options: { csrf?: string; payload?: unknown } = {},
) =>
  t.server.inject({
    method: method as 'GET',
    url,
    cookies: { patchbay_session: cookie },
    headers: options.csrf === undefined ? {} : { 'x-csrf-token': options.csrf },
    ...(options.payload === undefined ? {} : { payload: options.payload as object }),
  });

it('exchanges an API key for an HttpOnly, SameSite=Strict cookie that acts as the key', async () => {
  const { response, cookie, body } = await signIn(t.otherKey);
  expect(response.statusCode).toBe(201);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  expect(cookie!.value).not.toContain(t.otherKey);
  expect(JSON.stringify(body)).not.toContain(t.otherKey);
  expect(body.csrfToken).toEqual(expect.any(String));

  const own = await asSession(cookie!.value, 'GET', '/api/v1/organization');
  expect(own.statusCode).toBe(200);
  const byKey = await t.call('GET', '/api/v1/organization', undefined, t.otherKey);
  expect(own.json().id).toBe(byKey.body.id);
  // The session reads back its CSRF token (a reloaded page needs it), never the key.
  const session = await asSession(cookie!.value, 'GET', '/api/v1/session');
  expect(session.json()).toMatchObject({ csrfToken: body.csrfToken, keyName: 'admin' });
});

it('refuses a state-changing request without the session’s CSRF token', async () => {
  const { cookie, body } = await signIn(t.otherKey);
  const agent = { name: 'csrf', kind: 'echo' };
  const forged = await asSession(cookie!.value, 'POST', '/api/v1/agents', { payload: agent });
  expect(forged.statusCode).toBe(403);
  expect(forged.json().error.code).toBe('csrf_token_invalid');
  const wrong = await asSession(cookie!.value, 'POST', '/api/v1/agents', {
    payload: agent,
    csrf: `${body.csrfToken}x`,
  });
  expect(wrong.statusCode).toBe(403);
  const made = await asSession(cookie!.value, 'POST', '/api/v1/agents', {
    payload: agent,
    csrf: body.csrfToken,
  });
  expect(made.statusCode).toBe(201);
});

it('ends with sign-out, and with its key', async () => {
  expect((await signIn('pbk_nonsense')).response.statusCode).toBe(401);

  const first = await signIn(t.otherKey);
  const out = await asSession(first.cookie!.value, 'DELETE', '/api/v1/session', {
    csrf: first.body.csrfToken,
  });
  expect(out.statusCode).toBe(204);
  expect(out.cookies.find((c) => c.name === 'patchbay_session')?.value).toBe('');
  expect((await asSession(first.cookie!.value, 'GET', '/api/v1/agents')).statusCode).toBe(401);

  // A session of a key that is then revoked stops at once.
  const minted = await t.call('POST', '/api/v1/api-keys', { name: 'browser' }, t.otherKey);
  const second = await signIn(minted.body.key);
  expect((await asSession(second.cookie!.value, 'GET', '/api/v1/agents')).statusCode).toBe(200);
  await t.call('DELETE', `/api/v1/api-keys/${minted.body.apiKey.id}`, undefined, t.otherKey);
  expect((await asSession(second.cookie!.value, 'GET', '/api/v1/agents')).statusCode).toBe(401);

  // A key that lapses in an hour gives a session that lapses with it.
  const lapsing = await t.call(
    'POST',
    '/api/v1/api-keys',
    { name: 'hour', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    t.otherKey,
  );
  const third = await signIn(lapsing.body.key);
  expect(new Date(third.body.expiresAt).getTime()).toBeLessThanOrEqual(
    new Date(lapsing.body.apiKey.expiresAt).getTime(),
  );
});

it('does not let a deployment session manage organizations without the token either', async () => {
  const { cookie, body } = await signIn(t.apiKey);
  expect((await asSession(cookie!.value, 'GET', '/api/v1/organizations')).statusCode).toBe(200);
  const forged = await asSession(cookie!.value, 'POST', '/api/v1/organizations', {
    payload: { name: 'Forged' },
  });
  expect(forged.statusCode).toBe(403);
  const made = await asSession(cookie!.value, 'POST', '/api/v1/organizations', {
    payload: { name: 'Real' },
    csrf: body.csrfToken,
  });
  expect(made.statusCode).toBe(201);
});
