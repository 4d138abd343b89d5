import { operationsOf, useTestRedis } from '@ticketing/common/testing';
import { testApp } from './test/app';

const redis = useTestRedis();

it('serves exactly the operations docs/openapi.yaml documents for auth (tag users) and the probes', () => {
  const { served, documented } = operationsOf(testApp(redis), ['users', 'health']);
  expect(served).toEqual(documented);
});
