import { InMemoryBus, subscriptionsOf } from '@ticketing/common/testing';
import { listenersOf } from '.';

it('subscribes to exactly what the event catalog lists for tickets, with its queue group', () => {
  const bus = new InMemoryBus();
  const { subscribed, listed } = subscriptionsOf('tickets', listenersOf(bus));
  expect(subscribed).toEqual(listed);
  expect(subscribed.length).toBeGreaterThan(0);
});
