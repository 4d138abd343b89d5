import { publicationsOf, subscriptionsOf } from '@ticketing/common/testing';

it('stages exactly what the event catalog names auth the publisher of', () => {
  const { published, listed } = publicationsOf('auth', __dirname);
  expect(published).toEqual(listed);
  expect(published.length).toBeGreaterThan(0);
});

it('is listed as the subscriber of nothing (auth has no listeners)', () => {
  const { subscribed, listed } = subscriptionsOf('auth', []);
  expect(subscribed).toEqual(listed);
});
