import { InMemoryBus, publicationsOf, subscriptionsOf } from '@ticketing/common/testing';
import { listenersOf } from './entry-points/listeners';

it('subscribes to exactly what the event catalog lists for expiration, with its queue group', () => {
  const bus = new InMemoryBus();
  const { subscribed, listed } = subscriptionsOf('expiration', listenersOf(bus, {} as never));
  expect(subscribed).toEqual(listed);
  expect(subscribed.length).toBeGreaterThan(0);
});

it('stages or publishes exactly what the event catalog names expiration the publisher of', () => {
  const { published, listed } = publicationsOf('expiration', __dirname);
  expect(published).toEqual(listed);
});
