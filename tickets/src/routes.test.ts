import { operationsOf } from '@ticketing/common/testing';
import { testService } from './test/app';

it('serves exactly the operations docs/openapi.yaml documents for tickets, passes and the probes', () => {
  const { served, documented } = operationsOf(testService().app, ['tickets', 'passes', 'health']);
  expect(served).toEqual(documented);
});
