import { InMemoryBus, subscriptionsOf } from '@ticketing/common/testing';
import { listenersOf } from '.';

it('subscribes to exactly what the event catalog lists for orders, with its queue group', () => {
  const bus = new InMemoryBus();
  const { subscribed, listed } = subscriptionsOf('orders', listenersOf(bus));
  expect(subscribed).toEqual(listed);
  expect(subscribed.length).toBeGreaterThan(0);
});
