// A person with a browser, reduced to what the API sees: one origin (the
// gateway), JSON over HTTP, and a cookie jar that keeps the `session` cookie
// the way a browser does (set, replaced, cleared by an expired cookie).

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair, ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const i = a.indexOf('=');
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    if (key) attributes[key] = i < 0 ? true : a.slice(i + 1).trim();
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

export class User {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie this user received, newest last. */
  readonly setCookies: SetCookie[] = [];
  id?: string;

  constructor(
    readonly origin: string,
    readonly email: string,
    readonly password = 'correct horse',
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${this.origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(15000),
    });
    for (const header of res.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      this.setCookies.push(cookie);
      const expires = typeof cookie.attributes.expires === 'string' ? Date.parse(cookie.attributes.expires) : NaN;
      if (!cookie.value || (!Number.isNaN(expires) && expires <= Date.now())) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const text = await res.text();
    let parsed: any = text;
    if ((res.headers.get('content-type') || '').includes('json')) {
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }
  put<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  async signUp(): Promise<ApiResponse> {
    const res = await this.post('/api/users/signup', { email: this.email, password: this.password });
    if (res.status === 201) this.id = res.body.id;
    return res;
  }
}

/** Polls fn until it returns something other than undefined; throws the last reason on timeout. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  { timeoutMs = 20000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? last.message : last === undefined ? 'condition never held' : String(last);
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}: ${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A response summary for assertion messages. */
export const show = (res: ApiResponse) => `${res.status} ${typeof res.body === 'string' ? res.body.slice(0, 300) : JSON.stringify(res.body)}`;
