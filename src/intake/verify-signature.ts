/**
 * HMAC-SHA256 of the raw body, compared in constant time. Forgejo and Gitea send bare lower-case
 * hex; GitHub sends `sha256=<hex>` (the header reader strips the prefix before we get here).
 * The body must be the bytes as received: Forgejo signs its pretty-printed JSON, so a
 * re-serialised body never matches.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether a signature header could match any body: 64 hex digits. One that could not is
 * refused before the body is read (`webhook-route.ts`), so an unsigned request costs no memory.
 */
export function isSignatureShaped(signatureHex: string | undefined): signatureHex is string {
  return signatureHex !== undefined && /^[0-9a-fA-F]{64}$/.test(signatureHex);
}

export function signatureMatches(secret: string, body: Buffer, signatureHex: string): boolean {
  if (!isSignatureShaped(signatureHex)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signatureHex, 'hex'));
}
