/**
 * The `?redirect=` target after signing in/up, accepted only when it is a
 * path on this site (no open redirect to another origin), otherwise `/`.
 */
export function safeRedirect(target: unknown, fallback = '/'): string {
  const value = Array.isArray(target) ? target[0] : target;
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback;
  // "/x" only: not "//host", not "/\host", no scheme, no control characters.
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback;
  // Never bounce back into the auth pages themselves.
  if (/^\/auth\/(signin|signup|signout)(?:[/?#]|$)/.test(value)) return fallback;
  return value;
}

export function signinUrl(returnTo: string): string {
  const target = safeRedirect(returnTo, '');
  return target ? `/auth/signin?redirect=${encodeURIComponent(target)}` : '/auth/signin';
}
