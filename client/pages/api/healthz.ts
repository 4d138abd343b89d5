import { probe } from '../../lib/probe';

// GET /healthz (rewritten here by next.config.js): the process is alive.
export default probe({ status: 'ok' });
