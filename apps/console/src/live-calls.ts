import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Call } from './api/client.js';
import { keys } from './queries.js';

export type CallFilters = Partial<Record<'status' | 'direction' | 'configurationId', string>>;
export interface CallPage {
  readonly calls: Call[];
  readonly nextCursor: string | null;
}

/** The statuses a call does not leave. */
export const ENDED: ReadonlySet<string> = new Set([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);

/** Whether a call belongs in a list read with these filters. */
export function callMatches(call: Call, filters: CallFilters): boolean {
  if (filters.direction && call.direction !== filters.direction) return false;
  if (filters.configurationId && call.configurationId !== filters.configurationId) return false;
  if (filters.status === 'live') return !ENDED.has(call.status);
  if (filters.status && call.status !== filters.status) return false;
  return true;
}

/** A call as it now is, placed into every cached list: updated, added on top, or dropped. */
export function applyCallChange(client: QueryClient, call: Call): void {
  for (const [key, page] of client.getQueriesData<CallPage>({ queryKey: ['calls'] })) {
    if (!page) continue;
    const filters = (key[1] ?? {}) as CallFilters;
    const others = page.calls.filter((listed) => listed.id !== call.id);
    const known = others.length !== page.calls.length;
    const calls = callMatches(call, filters)
      ? known
        ? page.calls.map((listed) => (listed.id === call.id ? call : listed))
        : [call, ...page.calls]
      : others;
    client.setQueryData<CallPage>(key, { ...page, calls });
  }
  void client.invalidateQueries({ queryKey: keys.call(call.id) });
}

/**
 * Follows the organization's calls over server-sent events for as long as
 * the signed-in frame is shown. The browser's EventSource sends the session
 * cookie and reconnects by itself; events missed meanwhile are not replayed,
 * so each reconnection reads the lists again.
 */
export function useLiveCalls(enabled: boolean): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/v1/calls/events');
    let dropped = false;
    source.addEventListener('call', (event) => {
      applyCallChange(client, JSON.parse((event as MessageEvent<string>).data) as Call);
    });
    source.addEventListener('error', () => {
      dropped = true;
    });
    source.addEventListener('open', () => {
      if (dropped) void client.invalidateQueries({ queryKey: ['calls'] });
      dropped = false;
    });
    return () => source.close();
  }, [client, enabled]);
}
