import { z } from 'zod';
import type { Database } from './database/database.js';
import { findOwned, uniqueViolation } from './database/owned.js';
import { authenticate } from './http/authenticate.js';
import { parseBody } from './http/body.js';
import { HttpError, type Router, readJsonBody } from './http/router.js';

/** Who answers a call: the built-in echo, or a WebSocket speaking the agent-stream protocol. */
export const agentBody = z.discriminatedUnion('kind', [
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
]);

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

/** /api/v1/agents: create, list, get, replace, delete (numbers keep their configuration and lose the agent). */
export function registerAgentRoutes(router: Router, database: Database): void {
  const { sql } = database;
  const load = async (id: string | undefined, organizationId: string) => {
    const row = await findOwned<AgentRow>(sql, 'agents', id, organizationId);
    if (!row) throw new HttpError(404, 'not_found', 'No such agent');
    return row;
  };
  const nameTaken = (name: string) =>
    new HttpError(409, 'name_taken', `An agent named ${JSON.stringify(name)} exists`);

  router
    .add('GET', '/api/v1/agents', async (request) => {
      const organizationId = await authenticate(database, request);
      const rows = await sql<AgentRow[]>`
        select * from agents where organization_id = ${organizationId} order by created_at, id`;
      return { status: 200, body: { agents: rows.map(showAgent) } };
    })
    .add('POST', '/api/v1/agents', async (request) => {
      const organizationId = await authenticate(database, request);
      const body = parseBody(agentBody, await readJsonBody(request));
      try {
        const [row] = await sql<AgentRow[]>`
          insert into agents (organization_id, name, kind, url, sample_rate)
          values (${organizationId}, ${body.name}, ${body.kind},
                  ${body.kind === 'websocket' ? body.url : null}, ${body.sampleRate})
          returning *`;
        return { status: 201, body: showAgent(row!) };
      } catch (error) {
        if (uniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    })
    .add('GET', '/api/v1/agents/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      return { status: 200, body: showAgent(await load(request.params['id'], organizationId)) };
    })
    .add('PUT', '/api/v1/agents/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      const row = await load(request.params['id'], organizationId);
      const body = parseBody(agentBody, await readJsonBody(request));
      try {
        const [updated] = await sql<AgentRow[]>`
          update agents set name = ${body.name}, kind = ${body.kind},
            url = ${body.kind === 'websocket' ? body.url : null}, sample_rate = ${body.sampleRate}
          where id = ${row.id} returning *`;
        return { status: 200, body: showAgent(updated!) };
      } catch (error) {
        if (uniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    })
    .add('DELETE', '/api/v1/agents/:id', async (request) => {
      const organizationId = await authenticate(database, request);
      const row = await load(request.params['id'], organizationId);
      await sql`delete from agents where id = ${row.id}`;
      return { status: 204 };
    });
}
