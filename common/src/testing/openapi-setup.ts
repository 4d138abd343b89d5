// jest setupFilesAfterEnv (jest.preset.js): every supertest response in a
// route test is checked against docs/openapi.yaml.
import { ApiContract, checkSupertestResponses } from './openapi-contract';

const contract = ApiContract.load();
checkSupertestResponses(contract);
beforeAll(() => contract.then(() => undefined));
