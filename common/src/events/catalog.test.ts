import { readFileSync } from 'fs';
import path from 'path';
import { eventCatalog, eventDataProblems, ServiceName } from './catalog';
import { EventCategory, EventStatus, OrderStatus, Subjects } from './subjects';

const id = (n: number) => n.toString(16).padStart(24, '0');

const eventExample = (version: number, status: EventStatus) => ({
  id: id(6),
  version,
  name: 'Summer Tour',
  performer: 'The Band',
  venue: 'Arena',
  city: 'Springfield',
  startsAt: '2027-06-01T19:30:00.000Z',
  category: EventCategory.Concert,
  status,
  organizerId: id(7),
});

// One valid example per subject: the shapes the contract's event table gives.
const examples: { [S in Subjects]: unknown } = {
  [Subjects.TicketCreated]: { id: id(1), version: 0, title: 'concert', price: 20.5, userId: id(2) },
  [Subjects.TicketUpdated]: { id: id(1), version: 1, title: 'concert', price: 20.5, userId: id(2), orderId: id(3) },
  [Subjects.OrderCreated]: { id: id(3), version: 0, status: OrderStatus.Created, userId: id(4), expiresAt: '2026-12-01T14:00:00.000Z', ticket: { id: id(1), price: 20.5 } },
  [Subjects.OrderCancelled]: { id: id(3), version: 1, ticket: { id: id(1) } },
  [Subjects.ExpirationComplete]: { orderId: id(3) },
  [Subjects.PaymentCreated]: { id: id(5), orderId: id(3), stripeId: 'pi_123' },
  [Subjects.PaymentRefunded]: { id: id(5), orderId: id(3), stripeRefundId: 're_123', amount: 5600 },
  [Subjects.EventCreated]: eventExample(0, EventStatus.Scheduled),
  [Subjects.EventUpdated]: eventExample(1, EventStatus.Scheduled),
  [Subjects.EventCancelled]: eventExample(2, EventStatus.Cancelled),
  [Subjects.UserCreated]: { id: id(8), email: 'fan@example.com' },
  [Subjects.PayoutPaid]: { id: id(9), sellerId: id(2), orderId: id(3), amount: 4000 },
  [Subjects.PassTransferred]: { id: id(9), fromPassId: id(10), fromUserId: id(4), toUserId: id(8), ticketId: id(1), orderId: id(3) },
  [Subjects.WaitlistOffered]: { id: id(9), userId: id(4), ticketId: id(1), quantity: 2, offerExpiresAt: '2026-12-01T14:10:00.000Z' },
  [Subjects.WaitlistOfferEnded]: { id: id(9), ticketId: id(1), status: 'expired' },
};

describe('the event catalog', () => {
  it.each(Object.values(Subjects))('accepts a well-formed %s and refuses broken ones', (subject) => {
    expect(eventDataProblems(subject, examples[subject])).toBeNull();
    expect(eventDataProblems(subject, null)).toMatch(/\(data\)/);
    const example = examples[subject] as Record<string, unknown>;
    for (const key of Object.keys(example)) {
      if (key === 'orderId' && subject === Subjects.TicketUpdated) continue; // optional
      if (key === 'performer') continue; // optional
      const { [key]: _dropped, ...missing } = example;
      expect(eventDataProblems(subject, missing)).toMatch(new RegExp(`^${key}`));
    }
  });

  it('refuses a malformed id, a negative price and a time that is not ISO 8601', () => {
    expect(eventDataProblems(Subjects.ExpirationComplete, { orderId: 'not-an-id' })).toMatch(/orderId: must be a 24-digit hex ObjectId/);
    expect(eventDataProblems(Subjects.TicketCreated, { ...(examples[Subjects.TicketCreated] as object), price: -1 })).toMatch(/price/);
    expect(eventDataProblems(Subjects.OrderCreated, { ...(examples[Subjects.OrderCreated] as object), expiresAt: 'tomorrow' })).toMatch(/expiresAt/);
    expect(eventDataProblems(Subjects.EventCreated, { ...(examples[Subjects.EventCreated] as object), startsAt: 'tonight' })).toMatch(/startsAt/);
  });

  it('takes a listing\'s version-2 fields on ticket:created/updated, and `cancelled` (its event was) on ticket:updated only as a boolean', () => {
    const listing = { ...(examples[Subjects.TicketUpdated] as object), eventId: id(6), quantity: 4, split: 'pairs', fee: 3, section: 'A', row: '12' };
    expect(eventDataProblems(Subjects.TicketUpdated, { ...listing, cancelled: true })).toBeNull();
    expect(eventDataProblems(Subjects.TicketUpdated, { ...listing, cancelled: 'yes' })).toMatch(/^cancelled/);
    expect(eventDataProblems(Subjects.TicketCreated, { ...(examples[Subjects.TicketCreated] as object), quantity: 21 })).toMatch(/^quantity/);
  });

  it('refuses an event with an unknown category or status, and accepts one without a performer', () => {
    const { performer: _performer, ...noPerformer } = examples[Subjects.EventCreated] as Record<string, unknown>;
    expect(eventDataProblems(Subjects.EventCreated, noPerformer)).toBeNull();
    expect(eventDataProblems(Subjects.EventCreated, { ...noPerformer, category: 'opera' })).toMatch(/^category/);
    expect(eventDataProblems(Subjects.EventCancelled, { ...noPerformer, status: 'postponed' })).toMatch(/^status/);
  });

  it('matches the README\'s table of who publishes and who listens', () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const rows = new Map<string, { publishes: string[]; listens: string[] }>();
    for (const line of readme.split('\n')) {
      const m = /^\| (auth|tickets|orders|expiration|payments|events|notifications) \| [^|]+ \| ([^|]+) \| ([^|]+) \|$/.exec(line);
      if (!m) continue;
      const list = (cell: string) => (cell.trim() === '–' ? [] : cell.split(',').map((s) => s.trim())).sort();
      rows.set(m[1], { publishes: list(m[2]), listens: list(m[3]) });
    }
    const services: ServiceName[] = ['auth', 'tickets', 'orders', 'expiration', 'payments', 'events', 'notifications'];
    const fromCatalog = new Map(services.map((s) => [s, { publishes: [] as string[], listens: [] as string[] }]));
    for (const [subject, entry] of Object.entries(eventCatalog)) {
      fromCatalog.get(entry.publisher)!.publishes.push(subject);
      for (const sub of entry.subscribers) fromCatalog.get(sub.service)!.listens.push(subject);
    }
    for (const v of fromCatalog.values()) {
      v.publishes.sort();
      v.listens.sort();
    }
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(fromCatalog));
  });
});
