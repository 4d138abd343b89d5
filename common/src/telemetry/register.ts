/**
 * `import '@ticketing/common/telemetry/register'` as the first line of a
 * service's index.ts (or `node --require @ticketing/common/dist/telemetry/register.js`):
 * starts tracing before http, express, mongodb, mongoose and ioredis are
 * loaded, which their instrumentations need. Imports nothing else of common.
 */
import { startTelemetry } from './sdk';

startTelemetry();
