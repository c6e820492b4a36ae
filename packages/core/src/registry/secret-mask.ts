/** Secrets shorter than this are masked whole; longer ones keep their last four characters. */
const REVEAL_FROM_LENGTH = 12;
const REVEALED = 4;

/**
 * The masked form of a secret, as shown on reads: same length, all `*`
 * except the last four characters of a secret of 12 or more (enough to tell
 * two keys apart, too little to matter).
 */
export function maskSecret(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (text.length < REVEAL_FROM_LENGTH) return '*'.repeat(text.length);
  return '*'.repeat(text.length - REVEALED) + text.slice(-REVEALED);
}

/** True when `submitted` is exactly the mask of `stored`: the client sent the secret back unchanged. */
export function isMaskOf(submitted: unknown, stored: unknown): boolean {
  return (
    typeof submitted === 'string' &&
    submitted !== '' &&
    stored !== undefined &&
    stored !== null &&
    stored !== '' &&
    submitted === maskSecret(stored)
  );
}
