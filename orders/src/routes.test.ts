import { InMemoryBus, operationsOf } from '@ticketing/common/testing';
import { testApp } from './test/app';

it('serves exactly the operations docs/openapi.yaml documents for orders and the probes', () => {
  const { served, documented } = operationsOf(testApp(new InMemoryBus()), ['orders', 'health']);
  expect(served).toEqual(documented);
});
