import { z } from 'zod';
import { Agents } from '../services/agents.js';
import type { Database } from '../storage/database.js';
import { errorResponses, type PatchbayApp } from './app.js';

const recordCalls = z
  .boolean()
  .default(false)
  .describe(
    'Record every call this agent answers (two channels, GET /api/v1/calls/{id}/recording)',
  );

/** Who answers a call: the built-in echo, or a WebSocket speaking the agent-stream protocol. */
export const agentBody = z
  .discriminatedUnion('kind', [
    z.object({
      name: z.string().trim().min(1).max(100),
      kind: z.literal('echo'),
      sampleRate: z
        .union([z.literal(8000), z.literal(16000), z.literal(24000), z.literal(48000)])
        .default(16000),
      recordCalls: recordCalls,
    }),
    z.object({
      name: z.string().trim().min(1).max(100),
      kind: z.literal('websocket'),
      url: z
        .string()
        .refine((url) => /^wss?:\/\/[^/]/.test(url) && URL.canParse(url), 'a ws:// or wss:// URL'),
      sampleRate: z
        .union([z.literal(8000), z.literal(16000), z.literal(24000), z.literal(48000)])
        .default(16000),
      recordCalls: recordCalls,
    }),
  ])
  .meta({
    examples: [
      {
        name: 'Support bot',
        kind: 'websocket',
        url: 'wss://bot.example.com/stream',
        sampleRate: 16000,
      },
    ],
  });

const agentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['echo', 'websocket']),
    url: z.string().optional(),
    sampleRate: z.number().int(),
    recordCalls: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Agent' });
const idParams = z.object({ id: z.string() });

/** /api/v1/agents: create, list, get, replace, delete (services/agents.ts). */
export function registerAgentRoutes(app: PatchbayApp, database: Database): void {
  const agents = new Agents(database.sql);
  const tags = ['agents'];
  const auth = { auth: 'api-key' } as const;

  app.get(
    '/api/v1/agents',
    {
      config: auth,
      schema: {
        operationId: 'listAgents',
        summary: 'List agents',
        tags,
        response: { 200: z.object({ agents: z.array(agentSchema) }) },
      },
    },
    async (request) => ({ agents: await agents.list(request.organizationId) }),
  );
  app.post(
    '/api/v1/agents',
    {
      config: auth,
      schema: {
        operationId: 'createAgent',
        summary: 'Create an agent',
        tags,
        body: agentBody,
        response: { 201: agentSchema, ...errorResponses(400, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await agents.create(request.organizationId, request.body)),
  );
  app.get(
    '/api/v1/agents/:id',
    {
      config: auth,
      schema: {
        operationId: 'getAgent',
        summary: 'Read an agent',
        tags,
        params: idParams,
        response: { 200: agentSchema, ...errorResponses(404) },
      },
    },
    async (request) => agents.get(request.organizationId, request.params.id),
  );
  app.put(
    '/api/v1/agents/:id',
    {
      config: auth,
      schema: {
        operationId: 'replaceAgent',
        summary: 'Replace an agent',
        tags,
        params: idParams,
        body: agentBody,
        response: { 200: agentSchema, ...errorResponses(400, 404, 409) },
      },
    },
    async (request) => agents.replace(request.organizationId, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/agents/:id',
    {
      config: auth,
      schema: {
        operationId: 'deleteAgent',
        summary: 'Delete an agent; its numbers keep their configuration',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await agents.remove(request.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
