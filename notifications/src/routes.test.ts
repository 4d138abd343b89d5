import { operationsOf } from '@ticketing/common/testing';
import { testService } from './test/app';

it('serves exactly the operations docs/openapi.yaml documents for notifications and the probes', () => {
  const { served, documented } = operationsOf(testService().app, ['notifications', 'health']);
  expect(served).toEqual(documented);
});
