/**
 * Comparing a presented token with the expected one without leaking either its length or a prefix
 * through timing: both are reduced to SHA-256 digests and compared with `timingSafeEqual`. One
 * implementation for every token the service checks (admin, metrics, a run's own token).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The form a token is kept in for comparing: its digest. */
export type TokenDigest = Buffer;

export function tokenDigest(token: string): TokenDigest {
  return createHash('sha256').update(token).digest();
}

export function tokenMatches(given: string | undefined, expected: TokenDigest): boolean {
  return given !== undefined && timingSafeEqual(tokenDigest(given), expected);
}

/** The token of an `Authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}
