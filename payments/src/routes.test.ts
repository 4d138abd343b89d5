import { operationsOf } from '@ticketing/common/testing';
import { testApp } from './test/app';
import { testStripe } from './test/stripe';

it('serves exactly the operations docs/openapi.yaml documents for payments and the probes', () => {
  const { served, documented } = operationsOf(testApp(testStripe().stripe), ['payments', 'health']);
  expect(served).toEqual(documented);
});
