import { TEST_JWT_KEY } from '@ticketing/common/testing';
import { buildApp } from '../app';

/** The app as tests drive it: plain-http cookies, the test JWT key, a short session TTL. */
export const testApp = () => buildApp({ JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false });
