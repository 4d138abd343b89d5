import { InMemoryBus, publicationsOf, subscriptionsOf } from '@ticketing/common/testing';
import { listenersOf } from './entry-points/listeners';
import { testHolds } from './test/app';

it('subscribes to exactly what the event catalog lists for orders, with its queue group', () => {
  const bus = new InMemoryBus();
  const { subscribed, listed } = subscriptionsOf('orders', listenersOf(bus, testHolds()));
  expect(subscribed).toEqual(listed);
  expect(subscribed.length).toBeGreaterThan(0);
});

it('stages or publishes exactly what the event catalog names orders the publisher of', () => {
  const { published, listed } = publicationsOf('orders', __dirname);
  expect(published).toEqual(listed);
});
