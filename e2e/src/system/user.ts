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

/** Sees every answer of a test's requests: keeps the 5xx ones (`what → answer`) for the test to expect none, and passes the answer on. */
export type Recorder = (what: string, res: ApiResponse) => ApiResponse;

export const recordServerErrors =
  (serverErrors: string[]): Recorder =>
  (what, res) => {
    if (res.status >= 500) serverErrors.push(`${what} → ${show(res)}`);
    return res;
  };

const passOn: Recorder = (_what, res) => res;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signs up `count` new users, one after the other, the i-th as `email(i)`. */
export async function signUpBuyers(origin: string, count: number, email: (i: number) => string): Promise<User[]> {
  const users = Array.from({ length: count }, (_, i) => new User(origin, email(i)));
  for (const u of users) expect((await u.signUp()).status).toBe(201);
  return users;
}

/** The organizer schedules an event at the Arena in Springfield (a concert); returns its id. */
export async function scheduleEvent(organizer: User, event: { name: string; startsAt: Date }, record: Recorder = passOn): Promise<string> {
  const res = record('event', await organizer.post('/api/events', { name: event.name, venue: 'Arena', city: 'Springfield', startsAt: event.startsAt.toISOString(), category: 'concert' }));
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Lists seats of an event, once the tickets service has heard of the event. */
export const listSeats = <T = { id: string }>(
  seller: User,
  listing: { title: string; price: number; eventId: string; quantity: number; section?: string; row?: string },
  record: Recorder = passOn,
): Promise<T> =>
  eventually(`a listing of ${listing.quantity} seats`, async () => {
    const res = record('list', await seller.post('/api/tickets', listing));
    if (res.status === 201) return res.body as T;
    if (res.status === 400 && res.body.errors?.[0]?.message === 'Event not found') return undefined; // event:created on its way
    throw new Error(show(res));
  });

/** Sends again every 100 ms, at most `retries` more times, while a replica has not heard of what the request names yet (404). */
async function untilKnown(send: () => Promise<ApiResponse>, retries: number): Promise<ApiResponse> {
  for (let i = 0; ; i += 1) {
    const res = await send();
    if (res.status !== 404 || i === retries) return res;
    await sleep(100);
  }
}

/** The buyer orders `quantity` seats of a listing (retrying while orders has not heard of it); the last answer. */
export const buySeats = (buyer: User, ticketId: string, quantity: number, { record = passOn, retries }: { record?: Recorder; retries: number }) =>
  untilKnown(async () => record('order', await buyer.post('/api/orders', { ticketId, quantity })), retries);

/** The buyer pays an order with the test card (retrying while payments has not heard of it); the last answer. */
export const payOrder = (buyer: User, orderId: string, { record = passOn, retries }: { record?: Recorder; retries: number }) =>
  untilKnown(async () => record('pay', await buyer.post('/api/payments', { token: 'tok_visa', orderId })), retries);
