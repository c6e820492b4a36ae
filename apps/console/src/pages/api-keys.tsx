import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type ApiKey, api, unwrap } from '../api/client.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorMessage } from '../components/errors.js';
import { keys } from '../queries.js';
import { useSession } from '../session.js';

export function ApiKeysPage() {
  const session = useSession();
  const client = useQueryClient();
  const id = useId();
  const apiKeys = useQuery({
    queryKey: keys.apiKeys,
    queryFn: async () => (await unwrap(api.GET('/api/v1/api-keys'))).apiKeys,
  });
  const [name, setName] = useState('');
  const [minted, setMinted] = useState<string | undefined>();
  const refresh = () => client.invalidateQueries({ queryKey: keys.apiKeys });
  const mint = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/api-keys', { body: { name } })),
    onSuccess: (created) => {
      setMinted(created.key);
      setName('');
      return refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (key: ApiKey) =>
      unwrap(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: key.id } } })),
    onSettled: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mint.mutate();
  };
  return (
    <section aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>API keys</h1>
      <form onSubmit={submit} className="inline-form" aria-label="Mint an API key">
        <div className="field">
          <label htmlFor={`${id}-name`}>Key name</label>
          <input
            id={`${id}-name`}
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" disabled={mint.isPending}>
          Mint key
        </button>
      </form>
      {minted ? (
        <div role="status" className="minted">
          <p>Copy this key now; it is not shown again:</p>
          <code>{minted}</code>
        </div>
      ) : null}
      <ErrorMessage error={apiKeys.error ?? mint.error ?? revoke.error} />
      {apiKeys.data ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Scope</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {apiKeys.data.map((key) => (
              <tr key={key.id}>
                <th scope="row">{key.name}</th>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scope}</td>
                <td>
                  {key.id === session.data?.keyId ? (
                    'This session’s key'
                  ) : (
                    <ConfirmButton
                      label={`Revoke ${key.name}`}
                      title={`Revoke ${key.name}?`}
                      confirmLabel="Revoke"
                      onConfirm={() => revoke.mutate(key)}
                    >
                      Anything using it is refused from now on.
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
