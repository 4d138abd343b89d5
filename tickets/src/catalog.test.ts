import { InMemoryBus, publicationsOf, subscriptionsOf } from '@ticketing/common/testing';
import { testPassKeys } from './test/app';
import { listenersOf } from './entry-points/listeners';

it('subscribes to exactly what the event catalog lists for tickets, with its queue group', () => {
  const bus = new InMemoryBus();
  const { subscribed, listed } = subscriptionsOf('tickets', listenersOf(bus, testPassKeys()));
  expect(subscribed).toEqual(listed);
  expect(subscribed.length).toBeGreaterThan(0);
});

it('stages or publishes exactly what the event catalog names tickets the publisher of', () => {
  const { published, listed } = publicationsOf('tickets', __dirname);
  expect(published).toEqual(listed);
});
