import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, type Session, setCsrfToken, unwrap } from './api/client.js';

const SESSION = ['session'] as const;

/** The signed-in session, or null; undefined while it is being asked for. */
export function useSession() {
  return useQuery({
    queryKey: SESSION,
    queryFn: async (): Promise<Session | null> => {
      try {
        const session = await unwrap(api.GET('/api/v1/session'));
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
          setCsrfToken(undefined);
          return null;
        }
        throw error;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (apiKey: string) => unwrap(api.POST('/api/v1/session', { body: { apiKey } })),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      client.clear();
      client.setQueryData(SESSION, session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/session')),
    onSettled: () => {
      setCsrfToken(undefined);
      client.clear();
      client.setQueryData(SESSION, null);
    },
  });
}
