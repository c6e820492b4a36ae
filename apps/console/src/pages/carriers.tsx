import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, type Configuration, unwrap } from '../api/client.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorMessage } from '../components/errors.js';
import { keys, useConfigurations, useProviders } from '../queries.js';

/** The state a person needs at a glance: on or off, and the event connection where there is one. */
export function configurationState(configuration: Configuration): string {
  const state = configuration.active ? 'Active' : 'Inactive';
  return configuration.connection ? `${state}, ${configuration.connection.state}` : state;
}

export function CarriersPage() {
  const configurations = useConfigurations();
  const providers = useProviders();
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: async ({
      id,
      action,
    }: {
      id: string;
      action: 'activate' | 'deactivate' | 'delete';
    }) => {
      const params = { params: { path: { id } } };
      if (action === 'delete') await unwrap(api.DELETE('/api/v1/configurations/{id}', params));
      else if (action === 'activate')
        await unwrap(api.POST('/api/v1/configurations/{id}/activate', params));
      else await unwrap(api.POST('/api/v1/configurations/{id}/deactivate', params));
    },
    onSettled: () => client.invalidateQueries({ queryKey: keys.configurations }),
  });
  const carrierName = (name: string) =>
    providers.data?.find((provider) => provider.name === name)?.displayName ?? name;
  return (
    <section aria-labelledby="carriers-title">
      <div className="heading">
        <h1 id="carriers-title">Carriers</h1>
        <Link className="button" to="/carriers/new">
          Add carrier
        </Link>
      </div>
      <ErrorMessage error={configurations.error ?? change.error} />
      {configurations.data?.length === 0 ? (
        <p>No carrier yet. Add one to place and take calls.</p>
      ) : null}
      {configurations.data && configurations.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Carrier</th>
              <th scope="col">State</th>
              <th scope="col">Setup</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {configurations.data.map((configuration) => {
              const steps = configuration.setup.checklist?.steps ?? [];
              const done = steps.filter((step) => step.complete).length;
              return (
                <tr key={configuration.id}>
                  <th scope="row">
                    <Link to={`/carriers/${configuration.id}`}>{configuration.name}</Link>
                  </th>
                  <td>{carrierName(configuration.provider)}</td>
                  <td>{configurationState(configuration)}</td>
                  <td>
                    {steps.length === 0 ? 'Nothing to do' : `${done} of ${steps.length} done`}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      onClick={() =>
                        change.mutate({
                          id: configuration.id,
                          action: configuration.active ? 'deactivate' : 'activate',
                        })
                      }
                      aria-label={`${configuration.active ? 'Deactivate' : 'Activate'} ${configuration.name}`}
                    >
                      {configuration.active ? 'Deactivate' : 'Activate'}
                    </button>
                    <ConfirmButton
                      label={`Delete ${configuration.name}`}
                      title={`Delete ${configuration.name}?`}
                      confirmLabel="Delete"
                      onConfirm={() => change.mutate({ id: configuration.id, action: 'delete' })}
                    >
                      Its numbers stop taking calls here. Calls keep their history.
                    </ConfirmButton>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
