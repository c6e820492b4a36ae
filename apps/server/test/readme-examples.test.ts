/**
 * The README's quick start is the OpenAPI document's own examples: each
 * request body it sends is an example of that operation's body.
 */
import { readFileSync } from 'node:fs';
import { createRegistry } from '@patchbay/core';
import { ari } from '@patchbay/provider-ari';
import { twilio } from '@patchbay/provider-twilio';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(createRegistry([twilio(), ari()]));
});
afterAll(async () => t?.close());

it('sends, in the README’s quick start, exactly the examples the OpenAPI document gives', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const quickStart = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('## What works'),
  );
  const requests = [...quickStart.matchAll(/curl -s "\$API(\/[a-z-]+)"[^\n]*\\\n\s+-d '([^']+)'/g)];
  expect(requests.map(([, path]) => path)).toEqual([
    '/configurations',
    '/agents',
    '/phone-numbers',
  ]);
  const document = (await (await fetch(`${t.server.url}/api/v1/openapi.json`)).json()) as {
    paths: Record<
      string,
      {
        post: {
          requestBody: {
            content: Record<
              string,
              { example?: unknown; examples?: Record<string, { value: unknown }> }
            >;
          };
        };
      }
    >;
  };
  for (const [, path, body] of requests) {
    // The document carries a schema's examples on its media type, as OpenAPI has them.
    const media = document.paths[`/api/v1${path}`]!.post.requestBody.content['application/json']!;
    const examples = [
      ...(media.example === undefined ? [] : [media.example]),
      ...Object.values(media.examples ?? {}).map((example) => example.value),
    ];
    expect(examples, path).toContainEqual(JSON.parse(body!));
  }
});
