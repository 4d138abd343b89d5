import { DEFAULT_FEES } from '@ticketing/common';
import { InMemoryBus, publicationsOf, subscriptionsOf } from '@ticketing/common/testing';
import { notifierFor } from './domain/notify';
import { listenersOf } from './entry-points/listeners';

it('subscribes to exactly what the event catalog lists for notifications, with its queue group', () => {
  const { subscribed, listed } = subscriptionsOf('notifications', listenersOf(new InMemoryBus(), DEFAULT_FEES, notifierFor()));
  expect(subscribed).toEqual(listed);
  expect(subscribed.length).toBeGreaterThan(0);
});

it('publishes nothing, as the event catalog says', () => {
  const { published, listed } = publicationsOf('notifications', __dirname);
  expect(published).toEqual(listed);
  expect(published).toEqual([]);
});
