import type { Logger } from '@patchbay/core';
import pino from 'pino';

/**
 * JSON logs with every field that could hold a secret redacted, wherever
 * it sits; core's Logger shape is pino's, so providers log through it too.
 */
export function createLogger(level: string): Logger & pino.Logger {
  return pino({
    level,
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'apiKey',
        '*.apiKey',
        'password',
        '*.password',
        'token',
        '*.token',
        'credentials',
        '*.credentials',
      ],
      censor: '[redacted]',
    },
  });
}
