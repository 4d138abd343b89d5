import { publicationsOf } from '@ticketing/common/testing';

it('publishes exactly what the event catalog lists for auth (nothing: auth has no events)', () => {
  const { published, listed } = publicationsOf('auth', __dirname);
  expect(published).toEqual(listed);
});
