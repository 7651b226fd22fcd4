/**
 * The dashboard's sign-in session: a cookie `<expires>.<nonce>.<mac>` signed with HMAC-SHA-256
 * under a key derived from the admin token (so changing the token signs everyone out, and no key
 * file is kept), and a CSRF token derived from the same session (`HMAC(key, "csrf." + nonce)`),
 * so a form from another signed-in session — or from no session — is refused. The cookie is
 * `HttpOnly; SameSite=Strict`, `Secure` when the service is served over https.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const COOKIE_NAME = 'claude_hooks_session';

export interface DashboardSessions {
  /** A new session's `Set-Cookie` value and its CSRF token. */
  issue(now: number): { readonly cookie: string; readonly csrf: string };
  /** The session's CSRF token if the `Cookie` header carries a valid, unexpired session. */
  verify(cookieHeader: string | undefined, now: number): { readonly csrf: string } | undefined;
  checkCsrf(session: { readonly csrf: string }, given: string | undefined): boolean;
  /** A `Set-Cookie` value that removes the cookie. */
  readonly clearCookie: string;
}

export function createDashboardSessions(options: {
  readonly adminToken: string;
  readonly ttlMs: number;
  readonly secure: boolean;
}): DashboardSessions {
  const key = createHmac('sha256', options.adminToken).update('claude-hooks dashboard session v1').digest();
  const mac = (text: string) => createHmac('sha256', key).update(text).digest('base64url');
  const flags = `Path=/; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
  const csrfOf = (nonce: string) => mac(`csrf.${nonce}`);
  return {
    issue(now) {
      const expires = now + options.ttlMs;
      const nonce = randomBytes(18).toString('base64url');
      const payload = `${expires}.${nonce}`;
      return {
        cookie: `${COOKIE_NAME}=${payload}.${mac(payload)}; Max-Age=${Math.floor(options.ttlMs / 1000)}; ${flags}`,
        csrf: csrfOf(nonce),
      };
    },
    verify(cookieHeader, now) {
      const value = readCookie(cookieHeader, COOKIE_NAME);
      const parts = value?.split('.');
      if (parts?.length !== 3) return undefined;
      const [expires, nonce, given] = parts as [string, string, string];
      if (!equal(given, mac(`${expires}.${nonce}`))) return undefined;
      if (!(Number(expires) > now)) return undefined;
      return { csrf: csrfOf(nonce) };
    },
    checkCsrf(session, given) {
      return typeof given === 'string' && equal(given, session.csrf);
    },
    clearCookie: `${COOKIE_NAME}=; Max-Age=0; ${flags}`,
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
