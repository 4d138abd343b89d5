import { probe } from '../../lib/probe';

// GET /readyz (rewritten here by next.config.js): ready to render pages.
// The client owns no database or bus, so it has no checks; it does not fail
// when an API service is down, since each page shows that service's error by itself.
export default probe({ status: 'ready', checks: {} });
