import type postgres from 'postgres';
import { findOwned, uniqueViolation } from '../storage/owned.js';
import { ServerError } from './server-errors.js';

interface AgentRow {
  id: string;
  name: string;
  kind: 'echo' | 'websocket';
  url: string | null;
  sample_rate: number;
  record_calls: boolean;
  created_at: Date;
}

/** An agent as the API shows it. */
export interface Agent {
  id: string;
  name: string;
  kind: 'echo' | 'websocket';
  url?: string;
  sampleRate: number;
  recordCalls: boolean;
  createdAt: string;
}

/** Who answers a call: the built-in echo, or a WebSocket speaking the agent-stream protocol. */
export type AgentDefinition =
  | { name: string; kind: 'echo'; sampleRate: number; recordCalls: boolean }
  | { name: string; kind: 'websocket'; url: string; sampleRate: number; recordCalls: boolean };

const show = (row: AgentRow): Agent => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  ...(row.url ? { url: row.url } : {}),
  sampleRate: row.sample_rate,
  recordCalls: row.record_calls,
  createdAt: row.created_at.toISOString(),
});

const nameTaken = (name: string) =>
  new ServerError('name_taken', `An agent named ${JSON.stringify(name)} exists`);

/** An organization's agents; deleting one leaves its numbers with their configuration and no agent. */
export class Agents {
  constructor(private readonly sql: postgres.Sql) {}

  async list(organizationId: string): Promise<Agent[]> {
    const rows = await this.sql<AgentRow[]>`
      select * from agents where organization_id = ${organizationId} order by created_at, id`;
    return rows.map(show);
  }

  /** @throws ServerError `not_found` */
  async get(organizationId: string, id: string): Promise<Agent> {
    return show(await this.load(id, organizationId));
  }

  /** @throws ServerError `name_taken` */
  async create(organizationId: string, agent: AgentDefinition): Promise<Agent> {
    try {
      const [row] = await this.sql<AgentRow[]>`
        insert into agents (organization_id, name, kind, url, sample_rate, record_calls)
        values (${organizationId}, ${agent.name}, ${agent.kind},
                ${agent.kind === 'websocket' ? agent.url : null}, ${agent.sampleRate},
                ${agent.recordCalls})
        returning *`;
      return show(row!);
    } catch (error) {
      if (uniqueViolation(error)) throw nameTaken(agent.name);
      throw error;
    }
  }

  /** @throws ServerError `not_found`, `name_taken` */
  async replace(organizationId: string, id: string, agent: AgentDefinition): Promise<Agent> {
    const row = await this.load(id, organizationId);
    try {
      const [updated] = await this.sql<AgentRow[]>`
        update agents set name = ${agent.name}, kind = ${agent.kind},
          url = ${agent.kind === 'websocket' ? agent.url : null}, sample_rate = ${agent.sampleRate},
          record_calls = ${agent.recordCalls}
        where id = ${row.id} returning *`;
      return show(updated!);
    } catch (error) {
      if (uniqueViolation(error)) throw nameTaken(agent.name);
      throw error;
    }
  }

  /** @throws ServerError `not_found` */
  async remove(organizationId: string, id: string): Promise<void> {
    const row = await this.load(id, organizationId);
    await this.sql`delete from agents where id = ${row.id}`;
  }

  private async load(id: string | undefined, organizationId: string): Promise<AgentRow> {
    const row = await findOwned<AgentRow>(this.sql, 'agents', id, organizationId);
    if (!row) throw new ServerError('not_found', 'No such agent');
    return row;
  }
}
