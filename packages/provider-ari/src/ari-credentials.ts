import { createRequire } from 'node:module';
import type { AsteriskTarget } from './asterisk-target.js';

/**
 * ari-client 2.2 gives swagger-client its credentials through swagger's
 * process-wide `authorizations`, under one name: every client connected
 * since replaced the last one's, so a REST call of one configuration went
 * out with another's user and password. swagger applies them while the
 * operation is invoked, synchronously, so each call sets its own around
 * the invocation, and loading a client's API definitions (asynchronous)
 * holds them alone until it is done.
 */
interface SwaggerAuthorizations {
  readonly authz: Record<string, unknown>;
  add(name: string, authorization: unknown): void;
}

interface SwaggerModule {
  readonly authorizations: SwaggerAuthorizations;
  readonly PasswordAuthorization: new (name: string, user: string, password: string) => unknown;
}

// The key ari-client registers its PasswordAuthorization under.
const KEY = 'basic-auth';

let swaggerModule: SwaggerModule | undefined;

/** The swagger-client instance ari-client itself loads (not ours to depend on directly). */
function swagger(): SwaggerModule {
  if (!swaggerModule) {
    const here = createRequire(import.meta.url);
    swaggerModule = createRequire(here.resolve('ari-client'))('swagger-client') as SwaggerModule;
  }
  return swaggerModule;
}

function authorization(target: AsteriskTarget): unknown {
  const { PasswordAuthorization } = swagger();
  return new PasswordAuthorization(
    new URL(target.ariEndpoint).hostname,
    target.username,
    target.password,
  );
}

/** Runs `invoke` (which must start its swagger operation synchronously) with `target`'s credentials. */
export function withAriCredentials<T>(target: AsteriskTarget, invoke: () => T): T {
  const { authorizations } = swagger();
  const previous = authorizations.authz[KEY];
  authorizations.add(KEY, authorization(target));
  try {
    return invoke();
  } finally {
    if (previous === undefined) delete authorizations.authz[KEY];
    else authorizations.add(KEY, previous);
  }
}

let loading: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` (an ari-client connect) when no other is loading, with
 * `target`'s credentials in place throughout: its requests go out over
 * several turns of the event loop. The next load waits for this one at most
 * `timeoutMs`: swagger-client never settles a load whose server went away
 * halfway, and one such Asterisk must not stop every other from connecting.
 */
export function loadWithAriCredentials<T>(
  target: AsteriskTarget,
  load: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const run = loading.then(() => {
    swagger().authorizations.add(KEY, authorization(target));
    return load();
  });
  // The next load starts when this one settles, or `timeoutMs` after it began.
  loading = loading.then(
    () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        run.then(done, done);
      }),
  );
  return run;
}
