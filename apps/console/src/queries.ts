import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './api/client.js';

/** Shared reads, keyed once so every page sees the same cache. */
export const keys = {
  providers: ['providers'] as const,
  configurations: ['configurations'] as const,
  configuration: (id: string) => ['configurations', id] as const,
  numbers: ['phone-numbers'] as const,
  agents: ['agents'] as const,
  calls: (filters: Record<string, string>) => ['calls', filters] as const,
  call: (id: string) => ['call', id] as const,
  apiKeys: ['api-keys'] as const,
};

export const useProviders = () =>
  useQuery({
    queryKey: keys.providers,
    queryFn: async () => (await unwrap(api.GET('/api/v1/providers'))).providers,
    staleTime: 5 * 60_000,
  });

export const useConfigurations = () =>
  useQuery({
    queryKey: keys.configurations,
    queryFn: async () => (await unwrap(api.GET('/api/v1/configurations'))).configurations,
  });

export const useAgents = () =>
  useQuery({
    queryKey: keys.agents,
    queryFn: async () => (await unwrap(api.GET('/api/v1/agents'))).agents,
  });

export const useNumbers = () =>
  useQuery({
    queryKey: keys.numbers,
    queryFn: async () => (await unwrap(api.GET('/api/v1/phone-numbers'))).phoneNumbers,
  });
