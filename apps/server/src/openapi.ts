import { z } from 'zod';
import { agentBody } from './agents.js';
import { placeCallBody } from './calls/call-routes.js';
import { transferBody } from './calls/transfers.js';
import { configurationCreateBody, configurationUpdateBody } from './configurations.js';
import { phoneNumberCreateBody, phoneNumberUpdateBody } from './phone-numbers.js';

type Operation = {
  readonly summary: string;
  readonly body?: z.ZodType;
  readonly status: number;
  readonly errors: readonly number[];
};

const COMMON_ERRORS = [401];
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

// The management API, from the same zod schemas that validate the requests.
const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/api/v1/providers': {
    get: { summary: 'Registered carriers and their configuration forms', status: 200, errors: [] },
  },
  '/api/v1/configurations': {
    get: { summary: 'List telephony configurations (secrets masked)', status: 200, errors: [] },
    post: {
      summary: 'Create a configuration; runs the provider’s save hook',
      body: configurationCreateBody,
      status: 201,
      errors: [400, 409, 415, 422, 502],
    },
  },
  '/api/v1/configurations/{id}': {
    get: { summary: 'Read a configuration (secrets masked)', status: 200, errors: [404] },
    put: {
      summary: 'Update; a masked secret sent back keeps the stored one',
      body: configurationUpdateBody,
      status: 200,
      errors: [400, 404, 409, 415, 422, 502],
    },
    delete: {
      summary: 'Delete after the provider’s deprovision hook',
      status: 204,
      errors: [404, 502],
    },
  },
  '/api/v1/configurations/{id}/activate': {
    post: { summary: 'Take calls again', status: 200, errors: [404] },
  },
  '/api/v1/configurations/{id}/deactivate': {
    post: { summary: 'Refuse inbound and outbound calls', status: 200, errors: [404] },
  },
  '/api/v1/agents': {
    get: { summary: 'List agents', status: 200, errors: [] },
    post: { summary: 'Create an agent', body: agentBody, status: 201, errors: [400, 409, 415] },
  },
  '/api/v1/agents/{id}': {
    get: { summary: 'Read an agent', status: 200, errors: [404] },
    put: {
      summary: 'Replace an agent',
      body: agentBody,
      status: 200,
      errors: [400, 404, 409, 415],
    },
    delete: {
      summary: 'Delete an agent; its numbers keep their configuration',
      status: 204,
      errors: [404],
    },
  },
  '/api/v1/phone-numbers': {
    get: { summary: 'List phone numbers', status: 200, errors: [] },
    post: {
      summary: 'Register a number (canonical address) for a configuration and agent',
      body: phoneNumberCreateBody,
      status: 201,
      errors: [400, 409, 415, 422, 502],
    },
  },
  '/api/v1/phone-numbers/{id}': {
    get: { summary: 'Read a phone number', status: 200, errors: [404] },
    put: {
      summary: 'Move a number or change its agent',
      body: phoneNumberUpdateBody,
      status: 200,
      errors: [400, 404, 409, 415, 422, 502],
    },
    delete: { summary: 'Forget a number', status: 204, errors: [404] },
  },
  '/api/v1/calls': {
    get: { summary: 'Calls, newest first', status: 200, errors: [] },
    post: {
      summary: 'Place an outbound call',
      body: placeCallBody,
      status: 201,
      errors: [400, 409, 415, 422, 502],
    },
  },
  '/api/v1/calls/{id}': {
    get: {
      summary: 'A call with its status events and transfers',
      status: 200,
      errors: [404],
    },
  },
  '/api/v1/calls/{id}/hangup': {
    post: { summary: 'Hang up a call', status: 202, errors: [404, 409, 502] },
  },
  '/api/v1/calls/{id}/transfer': {
    post: {
      summary: 'Transfer a live call: dial the destination, join the caller when it answers',
      body: transferBody,
      status: 202,
      errors: [400, 404, 409, 415, 422, 502],
    },
  },
};

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

/** The OpenAPI 3.1 document of the management API. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, operations] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(operations)) {
      const responses: Record<string, unknown> = {
        [operation.status]: { description: 'Success' },
      };
      // Every body is read with the same 1 MiB limit.
      const bodyErrors = operation.body ? [413] : [];
      for (const status of [...COMMON_ERRORS, ...operation.errors, ...bodyErrors].sort(
        (a, b) => a - b,
      ))
        responses[status] = {
          description: 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      paths[path][method] = {
        summary: operation.summary,
        ...(path.includes('{id}') ? { parameters: [id] } : {}),
        ...(operation.body
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/json': { schema: z.toJSONSchema(operation.body, { io: 'input' }) },
                },
              },
            }
          : {}),
        responses,
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Patchbay server', version },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'pbk_… API key' } },
      schemas: { Error: errorSchema },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
