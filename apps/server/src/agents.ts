import { z } from 'zod';
import type { Database } from './database/database.js';
import { findOwned, uniqueViolation } from './database/owned.js';
import { errorResponses, type PatchbayApp } from './http/app.js';
import { ServerError } from './server-errors.js';

/** Who answers a call: the built-in echo, or a WebSocket speaking the agent-stream protocol. */
export const agentBody = z
  .discriminatedUnion('kind', [
    z.object({
      name: z.string().trim().min(1).max(100),
      kind: z.literal('echo'),
      sampleRate: z
        .union([z.literal(8000), z.literal(16000), z.literal(24000), z.literal(48000)])
        .default(16000),
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

interface AgentRow {
  id: string;
  name: string;
  kind: 'echo' | 'websocket';
  url: string | null;
  sample_rate: number;
  created_at: Date;
}

export const showAgent = (row: AgentRow) => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  ...(row.url ? { url: row.url } : {}),
  sampleRate: row.sample_rate,
  createdAt: row.created_at.toISOString(),
});

const agentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['echo', 'websocket']),
    url: z.string().optional(),
    sampleRate: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Agent' });
const idParams = z.object({ id: z.string() });

/** /api/v1/agents: create, list, get, replace, delete (numbers keep their configuration and lose the agent). */
export function registerAgentRoutes(app: PatchbayApp, database: Database): void {
  const { sql } = database;
  const load = async (id: string | undefined, organizationId: string) => {
    const row = await findOwned<AgentRow>(sql, 'agents', id, organizationId);
    if (!row) throw new ServerError('not_found', 'No such agent');
    return row;
  };
  const nameTaken = (name: string) =>
    new ServerError('name_taken', `An agent named ${JSON.stringify(name)} exists`);
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
    async (request) => {
      const rows = await sql<AgentRow[]>`
        select * from agents where organization_id = ${request.organizationId} order by created_at, id`;
      return { agents: rows.map(showAgent) };
    },
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
    async (request, reply) => {
      const body = request.body;
      try {
        const [row] = await sql<AgentRow[]>`
          insert into agents (organization_id, name, kind, url, sample_rate)
          values (${request.organizationId}, ${body.name}, ${body.kind},
                  ${body.kind === 'websocket' ? body.url : null}, ${body.sampleRate})
          returning *`;
        return reply.code(201).send(showAgent(row!));
      } catch (error) {
        if (uniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    },
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
    async (request) => showAgent(await load(request.params.id, request.organizationId)),
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
    async (request) => {
      const row = await load(request.params.id, request.organizationId);
      const body = request.body;
      try {
        const [updated] = await sql<AgentRow[]>`
          update agents set name = ${body.name}, kind = ${body.kind},
            url = ${body.kind === 'websocket' ? body.url : null}, sample_rate = ${body.sampleRate}
          where id = ${row.id} returning *`;
        return showAgent(updated!);
      } catch (error) {
        if (uniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    },
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
      const row = await load(request.params.id, request.organizationId);
      await sql`delete from agents where id = ${row.id}`;
      return reply.code(204).send(null);
    },
  );
}
