import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, type PhoneNumber, unwrap } from '../api/client.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorMessage } from '../components/errors.js';
import { AgentSelect, CheckboxField, ConfigurationSelect } from '../components/select-field.js';
import { keys, useAgents, useConfigurations, useNumbers } from '../queries.js';

export function NumbersPage() {
  const numbers = useNumbers();
  const configurations = useConfigurations();
  const agents = useAgents();
  const client = useQueryClient();
  const id = useId();
  const [address, setAddress] = useState('');
  const [configurationId, setConfigurationId] = useState('');
  const [agentId, setAgentId] = useState('');
  const [recordCalls, setRecordCalls] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: keys.numbers });
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/phone-numbers', {
          body: {
            address,
            configurationId,
            agentId: agentId === '' ? null : agentId,
            recordCalls,
          },
        }),
      ),
    onSuccess: () => {
      setAddress('');
      return refresh();
    },
  });
  const update = useMutation({
    mutationFn: (change: { number: PhoneNumber; agentId: string | null }) =>
      unwrap(
        api.PUT('/api/v1/phone-numbers/{id}', {
          params: { path: { id: change.number.id } },
          body: { configurationId: change.number.configurationId, agentId: change.agentId },
        }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (number: PhoneNumber) =>
      unwrap(api.DELETE('/api/v1/phone-numbers/{id}', { params: { path: { id: number.id } } })),
    onSettled: refresh,
  });
  const configurationName = (configId: string) =>
    configurations.data?.find((c) => c.id === configId)?.name ?? configId;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <section aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Numbers</h1>
      <form onSubmit={submit} className="inline-form" aria-label="Add a number">
        <div className="field">
          <label htmlFor={`${id}-address`}>Number or address</label>
          <input
            id={`${id}-address`}
            required
            value={address}
            placeholder="+14155550100"
            onChange={(event) => setAddress(event.target.value)}
          />
        </div>
        <ConfigurationSelect
          label="Carrier"
          required
          value={configurationId}
          onChange={setConfigurationId}
        />
        <AgentSelect
          label="Agent"
          empty="(none: calls are refused)"
          value={agentId}
          onChange={setAgentId}
        />
        <CheckboxField label="Record its calls" checked={recordCalls} onChange={setRecordCalls} />
        <button type="submit" disabled={add.isPending}>
          Add number
        </button>
      </form>
      <ErrorMessage error={add.error ?? update.error ?? remove.error ?? numbers.error} />
      {numbers.data && numbers.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Carrier</th>
              <th scope="col">Agent</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {numbers.data.map((number) => (
              <tr key={number.id}>
                <th scope="row">
                  {number.address}
                  {number.recordCalls ? ' (recorded)' : ''}
                </th>
                <td>{configurationName(number.configurationId)}</td>
                <td>
                  <select
                    aria-label={`Agent for ${number.address}`}
                    value={number.agentId ?? ''}
                    onChange={(event) =>
                      update.mutate({
                        number,
                        agentId: event.target.value === '' ? null : event.target.value,
                      })
                    }
                  >
                    <option value="">(none)</option>
                    {agents.data?.map((agent) => (
                      <option key={agent.id} value={agent.id}>
                        {agent.name}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <ConfirmButton
                    label={`Remove ${number.address}`}
                    title={`Remove ${number.address}?`}
                    confirmLabel="Remove"
                    onConfirm={() => remove.mutate(number)}
                  >
                    Calls to it are no longer answered here.
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No numbers yet.</p>
      )}
    </section>
  );
}
