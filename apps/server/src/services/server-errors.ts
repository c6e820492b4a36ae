/**
 * Every error the server answers with: a stable code that clients may
 * branch on, the HTTP status it goes out with, and what it means. Domain
 * code throws a {@link ServerError} with a code from here and never names a
 * status; the HTTP layer looks it up. Errors from the packages
 * (PatchbayError: `configuration_invalid`, `carrier_api_error`, …) carry
 * their own code and status.
 */
export const SERVER_ERRORS = {
  invalid_json: { status: 400, meaning: 'The body is not valid JSON' },
  invalid_string: {
    status: 400,
    meaning: 'A string holds a NUL character, which cannot be stored',
  },
  invalid_body: {
    status: 400,
    meaning: 'A body field is missing or wrong; the message names each',
  },
  invalid_params: { status: 400, meaning: 'A path parameter is wrong' },
  invalid_querystring: { status: 400, meaning: 'A query parameter is wrong' },
  invalid_headers: { status: 400, meaning: 'A request header is wrong' },
  bad_request: { status: 400, meaning: 'The request could not be read' },
  unknown_carrier: { status: 400, meaning: 'No registered carrier recognises this webhook' },
  unauthenticated: { status: 401, meaning: 'No API key, or one unknown or revoked' },
  deployment_key_required: {
    status: 403,
    meaning: 'Managing organizations takes a deployment key',
  },
  csrf_token_invalid: {
    status: 403,
    meaning: 'A console session’s state-changing request lacks its CSRF token',
  },
  metrics_forbidden: {
    status: 403,
    meaning: 'Metrics answer this machine only, unless METRICS_TOKEN is set',
  },
  not_found: { status: 404, meaning: 'No such thing, or another organization’s' },
  method_not_allowed: { status: 405, meaning: 'The path exists; the method does not (see Allow)' },
  name_taken: { status: 409, meaning: 'Another one of the organization’s has this name' },
  number_taken: {
    status: 409,
    meaning: 'The number is registered for that carrier account already',
  },
  call_not_live: { status: 409, meaning: 'Only an answered, live call can do this' },
  not_connected: { status: 409, meaning: 'The call never reached the carrier' },
  configuration_inactive: { status: 409, meaning: 'The configuration is deactivated' },
  configuration_gone: { status: 409, meaning: 'The call’s configuration was deleted' },
  transfer_in_progress: { status: 409, meaning: 'The call is being transferred already' },
  own_organization: {
    status: 409,
    meaning: 'A deployment key cannot delete the organization it belongs to',
  },
  organization_not_empty: {
    status: 409,
    meaning: 'The organization still has configurations, whose carrier side a delete releases',
  },
  calls_live: { status: 409, meaning: 'Calls are live; they would end in the world untracked' },
  last_deployment_key: {
    status: 409,
    meaning: 'The last live deployment key cannot be revoked through the API',
  },
  call_limit_reached: {
    status: 429,
    meaning: 'The organization or configuration has as many live calls as its limit allows',
  },
  call_rate_limited: {
    status: 429,
    meaning: 'The configuration placed as many calls this second as its rate allows',
  },
  payload_too_large: { status: 413, meaning: 'The body is larger than 1 MiB' },
  unsupported_media_type: { status: 415, meaning: 'The API takes JSON bodies only' },
  range_not_satisfiable: { status: 416, meaning: 'The byte range lies outside the recording' },
  unknown_configuration: { status: 422, meaning: 'The configuration named does not exist' },
  unknown_agent: { status: 422, meaning: 'The agent named does not exist' },
  caller_id_required: { status: 422, meaning: 'This carrier needs a caller id (from)' },
  transfers_unsupported: { status: 422, meaning: 'This carrier cannot transfer calls' },
  amd_unsupported: {
    status: 422,
    meaning:
      'This carrier has no answering-machine detection (capability answeringMachineDetection)',
  },
  carrier_credentials_refused: {
    status: 422,
    meaning: 'The carrier refused the configuration’s credentials',
  },
  number_not_owned: { status: 422, meaning: 'The carrier says the account does not hold it' },
  internal_error: { status: 500, meaning: 'A fault of the server’s own; it is logged' },
  place_call_failed: { status: 502, meaning: 'The carrier did not take the call' },
  transfer_failed: { status: 502, meaning: 'The carrier did not start the transfer' },
  deprovision_failed: { status: 502, meaning: 'The carrier-side cleanup failed; nothing changed' },
  carrier_unavailable: { status: 502, meaning: 'The carrier could not be asked' },
  draining: { status: 503, meaning: 'This process is shutting down; try again (Retry-After)' },
  public_base_url_unset: {
    status: 503,
    meaning: 'PUBLIC_BASE_URL is unset, so a cloud carrier could not reach this server',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

/** A failure the server reports with a code of {@link SERVER_ERRORS}. */
export class ServerError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    /** Sent with the error, e.g. `retry-after`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ServerError';
  }

  /** The HTTP status the code goes out with. */
  get status(): number {
    return SERVER_ERRORS[this.code].status;
  }
}

/** The one shape of every error the API answers with. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
