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
  for (const [method, path] of operations) {
    const answer = await t.call(
      method,
      path.replace('{id}', randomUUID()),
      method === 'GET' || method === 'DELETE' ? undefined : {},
    );
    expect(answer.status, `${method} ${path}`).not.toBe(405);
    expect(String(answer.body?.error?.message ?? ''), `${method} ${path}`).not.toMatch(/^No route/);
  }
  // Bodies are the validating schemas themselves: required fields included.
  const placeCall =
    document.paths['/api/v1/calls']!['post']!.requestBody!.content['application/json']!.schema;
  expect(placeCall.required).toEqual(expect.arrayContaining(['configurationId', 'to']));
});
