import { randomUUID } from 'node:crypto';
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(createRegistry([ari()]));
});
afterAll(async () => t?.close());

it('documents every management route, each of which the server really serves', async () => {
  const response = await fetch(`${t.server.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }
      >
    >;
  };
  expect(document.openapi).toBe('3.1.0');
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => [method.toUpperCase(), path] as const),
  );
  expect(operations.length).toBeGreaterThanOrEqual(20);
  // Every reference resolves: a schema used only by another schema is kept too.
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components
    ?.schemas;
  for (const [, name] of JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
    expect(components?.[name!], `#/components/schemas/${name}`).toBeDefined();
  for (const [method, path] of operations) {
    if (path === '/api/v1/calls/events') {
      // A stream never ends, so it is asked over a socket and let go once it answers.
      const stream = await fetch(`${t.server.url}${path}`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      await stream.body?.cancel();
      continue;
    }
    const answer = await t.call(
      method,
      path.replace('{id}', randomUUID()),
      method === 'GET' || method === 'DELETE' ? undefined : {},
    );
    expect(answer.status, `${method} ${path}`).not.toBe(405);
    expect(String(answer.body?.error?.message ?? ''), `${method} ${path}`).not.toMatch(/^No route/);
  }
  // Every operation is named, says how it authenticates and what it answers; the document
  // says where it is served.
  const raw = document as unknown as {
    servers: unknown[];
    paths: Record<
      string,
      Record<
        string,
        { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }
      >
    >;
  };
  expect(raw.servers.length).toBeGreaterThan(0);
  const ids = new Set<string>();
  for (const [path, methods] of Object.entries(raw.paths))
    for (const [method, operation] of Object.entries(methods)) {
      expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      ids.add(operation.operationId!);
      // Signing in is the one open operation: it takes the key in its body.
      if (operation.operationId === 'signIn') {
        expect(operation.security).toEqual([]);
        continue;
      }
      expect(operation.security, `${method} ${path}`).toEqual([{ apiKey: [] }, { session: [] }]);
      expect(Object.keys(operation.responses), `${method} ${path}`).toContain('401');
    }
  expect(ids.size).toBe(operations.length);
  // A configuration body says, carrier by carrier, what its form needs.
  const configuration = document.paths['/api/v1/configurations']!['post']!.requestBody!.content[
    'application/json'
  ]!.schema as unknown as {
    properties: { config: { oneOf: { title: string; required: string[] }[] } };
  };
  expect(configuration.properties.config.oneOf).toContainEqual(
    expect.objectContaining({
      title: 'Asterisk (ARI)',
      required: expect.arrayContaining(['provider', 'ari_endpoint', 'app_password']),
    }),
  );
  // Bodies are the validating schemas themselves: required fields included.
  const placeCall =
    document.paths['/api/v1/calls']!['post']!.requestBody!.content['application/json']!.schema;
  expect(placeCall.required).toEqual(expect.arrayContaining(['configurationId', 'to']));
});
