import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type Agent, api, type JsonBody, unwrap } from '../api/client.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorMessage } from '../components/errors.js';
import { CheckboxField } from '../components/select-field.js';
import { keys, useAgents } from '../queries.js';

type AgentBody = JsonBody<'/api/v1/agents', 'post'>;
const RATES = [8000, 16000, 24000, 48000] as const;

export function AgentsPage() {
  const agents = useAgents();
  const client = useQueryClient();
  const [editing, setEditing] = useState<Agent | undefined>();
  const refresh = () => client.invalidateQueries({ queryKey: keys.agents });
  const remove = useMutation({
    mutationFn: (agent: Agent) =>
      unwrap(api.DELETE('/api/v1/agents/{id}', { params: { path: { id: agent.id } } })),
    onSettled: refresh,
  });
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      <AgentForm key={editing?.id ?? 'new'} agent={editing} onDone={() => setEditing(undefined)} />
      <ErrorMessage error={agents.error ?? remove.error} />
      {agents.data && agents.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Audio</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {agents.data.map((agent) => (
              <tr key={agent.id}>
                <th scope="row">{agent.name}</th>
                <td>{agent.kind === 'websocket' ? `WebSocket ${agent.url ?? ''}` : 'Echo'}</td>
                <td>
                  {agent.sampleRate / 1000} kHz{agent.recordCalls ? ', recorded' : ''}
                </td>
                <td className="row-actions">
                  <button type="button" onClick={() => setEditing(agent)}>
                    Edit {agent.name}
                  </button>
                  <ConfirmButton
                    label={`Delete ${agent.name}`}
                    title={`Delete ${agent.name}?`}
                    confirmLabel="Delete"
                    onConfirm={() => remove.mutate(agent)}
                  >
                    Numbers bound to it stop answering.
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No agents yet. An echo agent plays the caller back to themselves, for a first test.</p>
      )}
    </section>
  );
}

function AgentForm({ agent, onDone }: { agent: Agent | undefined; onDone: () => void }) {
  const client = useQueryClient();
  const id = useId();
  const [name, setName] = useState(agent?.name ?? '');
  const [kind, setKind] = useState<'echo' | 'websocket'>(agent?.kind ?? 'echo');
  const [url, setUrl] = useState(agent?.url ?? '');
  const [sampleRate, setSampleRate] = useState<number>(agent?.sampleRate ?? 16000);
  const [recordCalls, setRecordCalls] = useState(agent?.recordCalls ?? false);
  const save = useMutation({
    mutationFn: () => {
      const body = (
        kind === 'websocket'
          ? { name, kind, url, sampleRate, recordCalls }
          : { name, kind, sampleRate, recordCalls }
      ) as AgentBody;
      return agent
        ? unwrap(api.PUT('/api/v1/agents/{id}', { params: { path: { id: agent.id } }, body }))
        : unwrap(api.POST('/api/v1/agents', { body }));
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.agents });
      setName('');
      setUrl('');
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form
      onSubmit={submit}
      className="inline-form"
      aria-label={agent ? `Edit ${agent.name}` : 'Add an agent'}
    >
      <div className="field">
        <label htmlFor={`${id}-name`}>Agent name</label>
        <input
          id={`${id}-name`}
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select
          id={`${id}-kind`}
          value={kind}
          onChange={(event) => setKind(event.target.value as 'echo' | 'websocket')}
        >
          <option value="echo">Echo (plays the caller back)</option>
          <option value="websocket">WebSocket (your agent)</option>
        </select>
      </div>
      {kind === 'websocket' ? (
        <div className="field">
          <label htmlFor={`${id}-url`}>Agent URL</label>
          <input
            id={`${id}-url`}
            type="url"
            required
            placeholder="wss://agent.example.com/calls"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-rate`}>Sample rate</label>
        <select
          id={`${id}-rate`}
          value={sampleRate}
          onChange={(event) => setSampleRate(Number(event.target.value))}
        >
          {RATES.map((rate) => (
            <option key={rate} value={rate}>
              {rate / 1000} kHz
            </option>
          ))}
        </select>
      </div>
      <CheckboxField label="Record its calls" checked={recordCalls} onChange={setRecordCalls} />
      <button type="submit" disabled={save.isPending}>
        {agent ? 'Save agent' : 'Add agent'}
      </button>
      {agent ? (
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      ) : null}
      <ErrorMessage error={save.error} />
    </form>
  );
}
