import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeKey } from '../config.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for stored carrier credentials. Each value gets a fresh IV;
 * the row id is bound in as associated data, so a ciphertext copied onto
 * another row does not decrypt. Layout: version | iv | tag | ciphertext.
 */
export class CredentialCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The credential key must be 32 bytes');
  }

  encrypt(value: unknown, rowId: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(rowId, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** @throws Error when the key is wrong or the value was tampered with */
  decrypt(stored: Uint8Array, rowId: string): unknown {
    const bytes = Buffer.from(stored);
    if (bytes[0] !== VERSION) throw new Error(`Unknown credential format ${bytes[0]}`);
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(rowId, 'utf8'));
    decipher.setAuthTag(tag);
    const text = Buffer.concat([
      decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
    return JSON.parse(text);
  }
}

/**
 * The credential key: `CREDENTIAL_ENCRYPTION_KEY` when set; in embedded mode a
 * key file created once in the data directory (mode 0600); a PostgreSQL
 * server without a key is refused, since a key made up per process would
 * make every other process's credentials unreadable.
 */
export async function loadCredentialKey(options: {
  readonly configured?: string | undefined;
  readonly dataDirectory?: string | undefined;
}): Promise<Buffer> {
  if (options.configured) {
    const key = decodeKey(options.configured);
    if (key) return key;
  }
  if (!options.dataDirectory)
    throw new Error(
      'Set CREDENTIAL_ENCRYPTION_KEY (32 bytes, base64 or hex) to use a PostgreSQL server: every process must share it',
    );
  const file = join(options.dataDirectory, 'credential.key');
  try {
    const key = decodeKey(await readFile(file, 'utf8'));
    if (!key) throw new Error(`${file} does not hold a 32-byte key`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const key = randomBytes(32);
    // 'wx': two processes racing to create it cannot both win.
    await writeFile(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(file, 0o600);
    return key;
  }
}
