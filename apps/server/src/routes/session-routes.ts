import { z } from 'zod';
import { ServerError } from '../services/server-errors.js';
import type { SessionIdentity, Sessions } from '../services/sessions.js';
import { errorResponses, type PatchbayApp, SESSION_COOKIE } from './app.js';

const sessionSchema = z
  .object({
    organizationId: z.uuid(),
    keyId: z.uuid().describe('The API key the session acts as'),
    keyName: z.string(),
    scope: z.enum(['organization', 'deployment']),
    csrfToken: z
      .string()
      .describe('Send it as X-CSRF-Token on every state-changing request of this session'),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'Session' });

const show = (session: SessionIdentity) => ({
  organizationId: session.organizationId,
  keyId: session.keyId,
  keyName: session.keyName,
  scope: session.scope,
  csrfToken: session.csrfToken,
  expiresAt: session.expiresAt.toISOString(),
});

/**
 * /api/v1/session: the console signs in with an API key and gets a
 * session cookie (HttpOnly, SameSite=Strict, Secure behind https), never a
 * token page scripts could read; the session acts as that key until sign-out,
 * its expiry, or the key's revocation.
 */
export function registerSessionRoutes(app: PatchbayApp, sessions: Sessions): void {
  const tags = ['session'];

  app.post(
    '/api/v1/session',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'signIn',
        summary: 'Sign in with an API key: sets the session cookie',
        tags,
        body: z.object({ apiKey: z.string().min(1).max(200) }),
        response: { 201: sessionSchema, ...errorResponses(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const signedIn = await sessions.signIn(request.body.apiKey);
      if (!signedIn) throw new ServerError('unauthenticated', 'The API key is unknown or revoked');
      reply.setCookie(SESSION_COOKIE, signedIn.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
        expires: signedIn.identity.expiresAt,
      });
      return reply.code(201).send(show(signedIn.identity));
    },
  );
  app.get(
    '/api/v1/session',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'getSession',
        summary: 'The session the cookie names, with its CSRF token',
        tags,
        response: { 200: sessionSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      if (!request.session)
        throw new ServerError('not_found', 'This request came with an API key, not a session');
      return show(request.session);
    },
  );
  app.delete(
    '/api/v1/session',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'signOut',
        summary: 'Sign out: ends the session and clears its cookie',
        tags,
        response: { 204: z.null(), ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      if (!request.session)
        throw new ServerError('not_found', 'This request came with an API key, not a session');
      await sessions.signOut(request.session.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
}
