import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type Call, type CallStatus, type QueryOf, unwrap } from '../api/client.js';
import { ErrorMessage } from '../components/errors.js';
import { AgentSelect, ConfigurationSelect, SelectField } from '../components/select-field.js';
import type { CallFilters, CallPage } from '../live-calls.js';
import { keys, useConfigurations } from '../queries.js';

// Every status the API documents; the check below fails to compile if one is missing.
const STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const satisfies readonly CallStatus[];
const allStatusesListed: Exclude<CallStatus, (typeof STATUSES)[number]> extends never
  ? true
  : never = true;
void allStatusesListed;

type CallQuery = QueryOf<'/api/v1/calls'>;

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString() : '—';
}

export function CallsPage() {
  const [search, setSearch] = useSearchParams();
  const configurations = useConfigurations();
  const client = useQueryClient();
  const id = useId();
  const filters: CallFilters = {};
  for (const name of ['status', 'direction', 'configurationId'] as const) {
    const value = search.get(name);
    if (value) filters[name] = value;
  }
  const calls = useQuery({
    queryKey: keys.calls(filters),
    queryFn: async (): Promise<CallPage> =>
      unwrap(
        api.GET('/api/v1/calls', { params: { query: { ...filters, limit: 50 } as CallQuery } }),
      ),
  });
  const more = useMutation({
    mutationFn: (cursor: string) =>
      unwrap(
        api.GET('/api/v1/calls', {
          params: { query: { ...filters, limit: 50, cursor } as CallQuery },
        }),
      ),
    onSuccess: (page) =>
      client.setQueryData<CallPage>(keys.calls(filters), (current) => ({
        calls: [...(current?.calls ?? []), ...page.calls],
        nextCursor: page.nextCursor,
      })),
  });
  const setFilter = (name: keyof CallFilters, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    setSearch(next, { replace: true });
  };
  const configurationName = (configurationId: string | null) =>
    configurations.data?.find((c) => c.id === configurationId)?.name ?? '—';
  return (
    <section aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Calls</h1>
      <TestCall />
      <fieldset className="filters">
        <legend>Show</legend>
        <SelectField
          label="Status"
          empty="Any"
          value={filters.status ?? ''}
          onChange={(value) => setFilter('status', value)}
          options={[
            { value: 'live', label: 'Live (not ended)' },
            ...STATUSES.map((status) => ({ value: status, label: status })),
          ]}
        />
        <SelectField
          label="Direction"
          empty="Any"
          value={filters.direction ?? ''}
          onChange={(value) => setFilter('direction', value)}
          options={[
            { value: 'inbound', label: 'Inbound' },
            { value: 'outbound', label: 'Outbound' },
          ]}
        />
        <ConfigurationSelect
          label="Carrier"
          empty="Any"
          value={filters.configurationId ?? ''}
          onChange={(value) => setFilter('configurationId', value)}
        />
      </fieldset>
      <ErrorMessage error={calls.error ?? more.error} />
      {calls.data && calls.data.calls.length === 0 ? <p>No calls to show.</p> : null}
      {calls.data && calls.data.calls.length > 0 ? (
        <table aria-label="Calls" aria-live="polite">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Direction</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Carrier</th>
            </tr>
          </thead>
          <tbody>
            {calls.data.calls.map((call) => (
              <CallRow
                key={call.id}
                call={call}
                carrier={configurationName(call.configurationId)}
              />
            ))}
          </tbody>
        </table>
      ) : null}
      {calls.data?.nextCursor ? (
        <button
          type="button"
          onClick={() => more.mutate(calls.data!.nextCursor!)}
          disabled={more.isPending}
        >
          Show older calls
        </button>
      ) : null}
    </section>
  );
}

function CallRow({ call, carrier }: { call: Call; carrier: string }) {
  return (
    <tr data-status={call.status}>
      <td>
        <Link to={`/calls/${call.id}`} aria-label={`Call from ${call.from} to ${call.to}`}>
          {formatTime(call.createdAt)}
        </Link>
      </td>
      <td>{call.direction}</td>
      <td>{call.from}</td>
      <td>{call.to}</td>
      <td>
        <span className={`status status-${call.status}`}>{call.status}</span>
      </td>
      <td>{carrier}</td>
    </tr>
  );
}

/** Places a call from a configuration to a number, with an agent on it. */
function TestCall() {
  const navigate = useNavigate();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [configurationId, setConfigurationId] = useState('');
  const [to, setTo] = useState('');
  const [from, setFrom] = useState('');
  const [agentId, setAgentId] = useState('');
  const [detection, setDetection] = useState('');
  const place = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/calls', {
          body: {
            configurationId,
            to,
            ...(from ? { from } : {}),
            ...(agentId ? { agentId } : {}),
            ...(detection
              ? { answeringMachineDetection: detection as 'detect' | 'detect-beep' }
              : {}),
          },
        }),
      ),
    onSuccess: (call) => navigate(`/calls/${call.id}`),
  });
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Place a test call
      </button>
    );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    place.mutate();
  };
  return (
    <form onSubmit={submit} className="inline-form" aria-label="Place a test call">
      <ConfigurationSelect
        label="From carrier"
        required
        value={configurationId}
        onChange={setConfigurationId}
      />
      <div className="field">
        <label htmlFor={`${id}-to`}>To</label>
        <input
          id={`${id}-to`}
          required
          value={to}
          placeholder="+14155550123"
          onChange={(e) => setTo(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>Caller ID</label>
        <input
          id={`${id}-from`}
          value={from}
          placeholder="one of your numbers"
          onChange={(e) => setFrom(e.target.value)}
        />
      </div>
      <AgentSelect label="Agent" empty="The number’s agent" value={agentId} onChange={setAgentId} />
      <SelectField
        label="Answering machine"
        empty="Don’t detect"
        value={detection}
        onChange={setDetection}
        options={[
          { value: 'detect', label: 'Detect human or machine' },
          { value: 'detect-beep', label: 'Detect, and wait for the beep' },
        ]}
      />
      <button type="submit" disabled={place.isPending}>
        Call
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorMessage error={place.error} />
    </form>
  );
}
