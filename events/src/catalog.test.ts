import { publicationsOf } from '@ticketing/common/testing';

it('stages exactly what the event catalog names events the publisher of', () => {
  const { published, listed } = publicationsOf('events', __dirname);
  expect(published).toEqual(listed);
  expect(published.length).toBeGreaterThan(0);
});
