/** Why an inbound call is refused; the carrier's rejection document is generic for all of them. */
export type InboundRejectionReason =
  | 'number-not-configured'
  | 'agent-not-configured'
  | 'configuration-inactive'
  | 'account-mismatch'
  | 'signature-invalid'
  | 'concurrency-limit'
  /** The host is shutting down and takes no new calls; another process or a retry will. */
  | 'draining'
  | 'internal-error';

/**
 * Whether a refusal is for now only (a concurrency limit, a host draining):
 * carriers that can tell the caller apart should answer busy, so callers and
 * carriers try again, rather than rejected.
 */
export function rejectsAsBusy(reason: InboundRejectionReason): boolean {
  return reason === 'concurrency-limit' || reason === 'draining';
}
