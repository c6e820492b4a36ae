import type postgres from 'postgres';

/** One schema change. Never edit a released migration: add the next one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'organizations and API keys',
    sql: `
      create table organizations (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        created_at timestamptz not null default now()
      );
      create table api_keys (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        -- SHA-256 of the whole key: keys are random, so a fast hash is enough and lookups stay indexed.
        key_hash bytea not null unique,
        -- The first characters, to tell keys apart in lists without revealing them.
        key_prefix text not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      create index api_keys_organization on api_keys (organization_id);
    `,
  },
  {
    version: 2,
    name: 'telephony configurations',
    sql: `
      create table telephony_configurations (
        id uuid primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        provider text not null,
        -- The carrier account (registry.accountIdOf), for routing inbound calls; never a secret.
        account_id text,
        -- AES-256-GCM of the whole validated configuration, bound to this row's id.
        credentials bytea not null,
        is_active boolean not null default true,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (organization_id, name)
      );
      create index telephony_configurations_account on telephony_configurations (provider, account_id);
    `,
  },
  {
    version: 3,
    name: 'agents and phone numbers',
    sql: `
      create table agents (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name text not null,
        kind text not null check (kind in ('echo', 'websocket')),
        url text,
        sample_rate integer not null check (sample_rate in (8000, 16000, 24000, 48000)),
        created_at timestamptz not null default now(),
        unique (organization_id, name),
        check ((kind = 'websocket') = (url is not null))
      );
      create table phone_numbers (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        configuration_id uuid not null references telephony_configurations (id) on delete cascade,
        -- Canonical address (core normalizePhoneAddress): +E.164, a SIP URI or an extension.
        address text not null,
        -- Copied from the configuration so one number has one owner per carrier account, across organizations.
        provider text not null,
        account_id text not null default '',
        agent_id uuid references agents (id) on delete set null,
        created_at timestamptz not null default now(),
        unique (provider, account_id, address)
      );
      create index phone_numbers_configuration on phone_numbers (configuration_id);
    `,
  },
  {
    version: 4,
    name: 'calls and call events',
    sql: `
      create table calls (
        id uuid primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        configuration_id uuid references telephony_configurations (id) on delete set null,
        agent_id uuid references agents (id) on delete set null,
        provider text not null,
        direction text not null check (direction in ('inbound', 'outbound')),
        from_address text not null default '',
        to_address text not null,
        carrier_call_id text,
        status text not null,
        carrier_status text,
        reason text,
        duration_seconds integer,
        answered_at timestamptz,
        ended_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index calls_carrier_call on calls (provider, carrier_call_id);
      create index calls_organization on calls (organization_id, created_at desc);
      create table call_events (
        id bigserial primary key,
        call_id uuid not null references calls (id) on delete cascade,
        status text not null,
        carrier_status text not null,
        -- Carriers retry callbacks: the same report twice is one event.
        dedupe_key text not null,
        detail jsonb not null default '{}',
        created_at timestamptz not null default now(),
        unique (call_id, dedupe_key)
      );
    `,
  },
  {
    version: 5,
    name: 'single-use media tokens',
    sql: `
      -- A media token's id once its socket opened: a second use is refused, on any process.
      create table media_token_uses (
        jti text primary key,
        expires_at timestamptz not null
      );
      create index media_token_uses_expiry on media_token_uses (expires_at);
    `,
  },
  {
    version: 6,
    name: 'call transfers',
    sql: `
      -- Written before the carrier is asked, so any process that gets the outcome finds it.
      create table transfers (
        id uuid primary key,
        call_id uuid not null references calls (id) on delete cascade,
        destination text not null,
        caller_id text,
        -- pending, answered, connected, completed, busy, no-answer, failed
        status text not null,
        reason text,
        leg_call_id text,
        requested_by text not null,
        -- After this a pending transfer fails as timed out, whichever process notices first.
        deadline_at timestamptz not null,
        connected_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index transfers_call on transfers (call_id, created_at);
      -- One transfer at a time per call.
      create unique index transfers_one_open_per_call on transfers (call_id)
        where status in ('pending', 'answered');
      create index transfers_pending_deadline on transfers (deadline_at) where status = 'pending';
    `,
  },
  {
    version: 7,
    name: 'carrier event connection state',
    sql: `
      -- Written by the process holding the connection, so any process can show it.
      -- Not updated_at: that marks configuration changes, which restart the connection.
      alter table telephony_configurations
        add column connection_state text,
        add column connection_detail text,
        add column connection_changed_at timestamptz;
    `,
  },
  {
    version: 8,
    name: 'who holds each live call',
    sql: `
      -- Each server process says it is alive; a call's media names the process holding it.
      create table server_instances (
        id text primary key,
        started_at timestamptz not null default now(),
        seen_at timestamptz not null default now()
      );
      alter table calls
        add column media_instance text,
        add column reconcile_after timestamptz;
      -- The sweep reads only live calls.
      create index calls_live on calls (updated_at)
        where status in ('queued', 'initiated', 'ringing', 'in-progress');
    `,
  },
  {
    version: 9,
    name: 'deployment-level API keys',
    sql: `
      -- A deployment key manages organizations; an organization key only its own organization.
      alter table api_keys
        add column scope text not null default 'organization'
          check (scope in ('organization', 'deployment'));
      -- The first-start key of an existing deployment is its deployment key, as a new one's is.
      update api_keys set scope = 'deployment'
      where id = (
        select k.id from api_keys k join organizations o on o.id = k.organization_id
        where k.name = 'admin' and k.revoked_at is null
        order by o.created_at, k.created_at limit 1);
    `,
  },
  {
    version: 10,
    name: 'default countries',
    sql: `
      -- The country national numbers are read in: a configuration's, else its organization's.
      alter table organizations
        add column default_country text check (default_country ~ '^[A-Z]{2}$');
      alter table telephony_configurations
        add column default_country text check (default_country ~ '^[A-Z]{2}$');
    `,
  },
  {
    version: 11,
    name: 'api key expiry',
    sql: `
      -- A key may be minted for a while only (a contractor, a CI job): refused from then on.
      alter table api_keys add column expires_at timestamptz;
    `,
  },
  {
    version: 12,
    name: 'console sessions',
    sql: `
      -- A browser signed in with an API key: the cookie's token is stored only as its hash,
      -- and the session lives no longer than its key (revoked, expired or deleted).
      create table sessions (
        id uuid primary key,
        token_hash bytea not null unique,
        csrf_token text not null,
        api_key_id uuid not null references api_keys (id) on delete cascade,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null
      );
      create index sessions_expiry on sessions (expires_at);
    `,
  },
  {
    version: 13,
    name: 'call limits',
    sql: `
      -- Null: the deployment's default (MAX_CONCURRENT_CALLS) for an organization, none for a
      -- configuration. Only a deployment key sets an organization's.
      alter table organizations
        add column max_concurrent_calls integer check (max_concurrent_calls > 0);
      alter table telephony_configurations
        add column max_concurrent_calls integer check (max_concurrent_calls > 0),
        add column max_calls_per_second real check (max_calls_per_second > 0);
      -- The live calls a limit counts, found without reading a tenant's history.
      create index calls_live_by_organization on calls (organization_id)
        where status in ('queued', 'initiated', 'ringing', 'in-progress');
      create index calls_live_by_configuration on calls (configuration_id)
        where status in ('queued', 'initiated', 'ringing', 'in-progress');
      create index calls_recent_outbound on calls (configuration_id, created_at)
        where direction = 'outbound';
    `,
  },
  {
    version: 14,
    name: 'call event webhooks',
    sql: `
      -- Where an organization wants to hear of its calls; the signing secret is sealed like
      -- carrier credentials (the server must read it back to sign).
      create table webhook_endpoints (
        id uuid primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        url text not null,
        secret bytea not null,
        events text[],
        created_at timestamptz not null default now()
      );
      create index webhook_endpoints_organization on webhook_endpoints (organization_id);
      -- The outbox: written in the transaction that changed the call, so no event is lost
      -- to a crash between the two, and delivered at least once by whichever process claims it.
      create table webhook_deliveries (
        id uuid primary key default gen_random_uuid(),
        endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
        event_type text not null,
        dedupe_key text not null,
        payload jsonb not null,
        created_at timestamptz not null default now(),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        delivered_at timestamptz,
        last_status integer,
        last_error text,
        unique (endpoint_id, dedupe_key)
      );
      create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
        where delivered_at is null;
    `,
  },
  {
    version: 15,
    name: 'carrier webhook nonces',
    sql: `
      -- Nonces of carrier signatures that carry no timestamp (Vobiz), shared by every
      -- process, so a captured callback cannot be replayed to another one.
      create table webhook_nonces (
        nonce text primary key,
        fingerprint text not null,
        expires_at timestamptz not null
      );
      create index webhook_nonces_expiry on webhook_nonces (expires_at);
    `,
  },
  {
    version: 16,
    name: 'answering machine detection',
    sql: `
      -- Who answered, as the carrier's detection last said (human, machine, fax, unknown),
      -- and its detail: the greeting's state, the carrier's own label, when it came.
      alter table calls add column answered_by text;
      alter table calls add column answering_machine jsonb;
    `,
  },
  {
    version: 17,
    name: 'media health',
    sql: `
      -- How the call's audio fared, counted by the media bridge, written when its media ends.
      alter table calls add column media_health jsonb;
    `,
  },
  {
    version: 18,
    name: 'recordings',
    sql: `
      -- Who asks for recordings: an agent (every call it answers) or a number (every call on it).
      alter table agents add column record_calls boolean not null default false;
      alter table phone_numbers add column record_calls boolean not null default false;
      -- A call's finished recording: duration, size, rate; the file is in the recording store.
      alter table calls add column recording jsonb;
    `,
  },
];

// Any fixed number: every process migrating the same database queues on it.
const MIGRATION_LOCK = 4_731_902;

/**
 * Applies every migration the database has not seen, in one transaction
 * under an advisory lock, so processes starting together migrate once.
 * Returns the versions applied.
 */
export async function migrate(
  sql: postgres.Sql,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`
      create table if not exists patchbay_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
    const applied = new Set(
      (await tx<{ version: number }[]>`select version from patchbay_migrations`).map(
        (row) => row.version,
      ),
    );
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await tx.unsafe(migration.sql).simple();
      await tx`insert into patchbay_migrations ${tx({ version: migration.version, name: migration.name })}`;
    }
    return pending.map((migration) => migration.version);
  });
}
