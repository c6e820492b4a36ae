import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, type Configuration, type JsonBody, type Schemas, unwrap } from '../api/client.js';
import { ErrorMessage, issueFor } from '../components/errors.js';
import { ProviderFields } from '../forms/provider-fields.js';
import { editableValues, submittedValues, type Values } from '../forms/values.js';
import { keys, useProviders } from '../queries.js';
import { configurationState } from './carriers.js';

type SaveBody = JsonBody<'/api/v1/configurations', 'post'>;

/** Create (`/carriers/new`) or edit (`/carriers/:id`) a configuration. */
export function CarrierPage() {
  const { id } = useParams();
  const providers = useProviders();
  const stored = useQuery({
    queryKey: keys.configuration(id ?? 'new'),
    queryFn: () =>
      unwrap(api.GET('/api/v1/configurations/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
  });
  if (id !== undefined && !stored.data)
    return stored.error ? <ErrorMessage error={stored.error} /> : <p>Loading…</p>;
  if (!providers.data)
    return providers.error ? <ErrorMessage error={providers.error} /> : <p>Loading…</p>;
  return (
    <CarrierForm key={stored.data?.id ?? 'new'} providers={providers.data} stored={stored.data} />
  );
}

function CarrierForm(props: {
  providers: Schemas['Provider'][];
  stored: Configuration | undefined;
}) {
  const { stored } = props;
  const navigate = useNavigate();
  const client = useQueryClient();
  const id = useId();
  const [providerName, setProviderName] = useState(stored?.provider ?? '');
  const provider = props.providers.find((candidate) => candidate.name === providerName);
  const [name, setName] = useState(stored?.name ?? '');
  const [defaultCountry, setDefaultCountry] = useState(stored?.defaultCountry ?? '');
  const [values, setFormValues] = useState<Values>(() =>
    stored && provider ? editableValues(provider.fields, stored.config) : {},
  );
  // A create lands on the new configuration's page, which says it was saved.
  const [saved, setSaved] = useState(
    (useLocation().state as { saved?: boolean } | null)?.saved === true,
  );
  const setValues = (next: Values) => {
    setSaved(false);
    setFormValues(next);
  };

  const save = useMutation({
    mutationFn: async () => {
      const config = {
        ...submittedValues(provider!.fields, values, stored?.config),
        provider: providerName,
      };
      const body = {
        name,
        config,
        defaultCountry: defaultCountry === '' ? null : defaultCountry.toUpperCase(),
      } as unknown as SaveBody;
      return stored
        ? unwrap(
            api.PUT('/api/v1/configurations/{id}', {
              params: { path: { id: stored.id } },
              body,
            }),
          )
        : unwrap(api.POST('/api/v1/configurations', { body }));
    },
    onSuccess: async (configuration) => {
      await client.invalidateQueries({ queryKey: keys.configurations });
      client.setQueryData(keys.configuration(configuration.id), configuration);
      if (!stored) {
        navigate(`/carriers/${configuration.id}`, { replace: true, state: { saved: true } });
        return;
      }
      // Typed secrets are stored now: show them masked again, and what the save hook filled in.
      if (provider) setFormValues(editableValues(provider.fields, configuration.config));
      setSaved(true);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const nameIssue = issueFor(save.error, 'name');
  return (
    <section aria-labelledby={`${id}-title`}>
      <p>
        <Link to="/carriers">← Carriers</Link>
      </p>
      <h1 id={`${id}-title`}>{stored ? stored.name : 'Add a carrier'}</h1>
      {stored ? <Setup configuration={stored} /> : null}
      <form onSubmit={submit} noValidate={false}>
        <div className="fields">
          <div className="field">
            <label htmlFor={`${id}-provider`}>Carrier</label>
            <select
              id={`${id}-provider`}
              required
              disabled={stored !== undefined}
              value={providerName}
              onChange={(event) => {
                setProviderName(event.target.value);
                setValues({});
              }}
            >
              <option value="">Choose…</option>
              {props.providers.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.displayName}
                </option>
              ))}
            </select>
            {provider?.description ? <p className="hint">{provider.description}</p> : null}
          </div>
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              required
              maxLength={100}
              value={name}
              aria-invalid={nameIssue ? true : undefined}
              onChange={(event) => {
                setSaved(false);
                setName(event.target.value);
              }}
            />
            {nameIssue ? <p className="issue">{nameIssue}</p> : null}
          </div>
          <div className="field">
            <label htmlFor={`${id}-country`}>Default country</label>
            <input
              id={`${id}-country`}
              maxLength={2}
              pattern="[A-Za-z]{2}"
              aria-describedby={`${id}-country-hint`}
              value={defaultCountry}
              onChange={(event) => setDefaultCountry(event.target.value)}
            />
            <p id={`${id}-country-hint`} className="hint">
              Two letters (US, IN): where numbers without a country code are read.
            </p>
          </div>
        </div>
        {provider ? (
          <ProviderFields
            fields={provider.fields}
            values={values}
            onChange={setValues}
            masked={stored?.config}
            error={save.error}
            issuePrefix="config."
          />
        ) : null}
        <div className="actions">
          <button type="submit" disabled={!provider || save.isPending}>
            {stored ? 'Save changes' : 'Create'}
          </button>
        </div>
        <ErrorMessage error={save.error} />
        <p role="status" className="status">
          {saved ? 'Saved.' : ''}
        </p>
      </form>
    </section>
  );
}

/** What is set up and what to do next; the URL to paste into the carrier's console. */
function Setup({ configuration }: { configuration: Configuration }) {
  const { setup } = configuration;
  return (
    <section className="setup" aria-label="Setup">
      <p>
        <strong>State:</strong> {configurationState(configuration)}
        {configuration.connection?.detail ? ` (${configuration.connection.detail})` : ''}
      </p>
      {setup.inboundWebhookUrl ? (
        <p>
          <strong>Inbound webhook URL</strong> (paste into the carrier’s console):{' '}
          <code>{setup.inboundWebhookUrl}</code>
        </p>
      ) : null}
      {setup.checklist ? (
        <>
          <h2>Checklist</h2>
          <ul className="checklist">
            {setup.checklist.steps.map((step) => (
              <li key={step.key} className={step.complete ? 'done' : 'todo'}>
                <span className="visually-hidden">{step.complete ? 'Done: ' : 'To do: '}</span>
                <strong>{step.title}</strong> — {step.description}
              </li>
            ))}
          </ul>
          {setup.checklist.outboundBlockedReason ? (
            <p className="hint">Outbound calls: {setup.checklist.outboundBlockedReason}</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
