'use strict';
// The floor: a bare Node `http` server answering what
// GET /api/users/currentuser answers a signed-in user (same JSON, same
// content type), in its own process as a service would be. Every throughput
// figure of the bench is divided by this server's, measured in the same run,
// so a busy machine lowers both.
//
// The framework's floors, beside it: the same answer from an Express 4 app
// with nothing else ("express"), and with cookie-session decoding the same
// session cookie ("express-session"): what part of a service's cost is the
// framework's before any middleware of ours.
//   node bench/floor.js <port> [bare|express|express-session]
const http = require('http');

const port = Number(process.argv[2] || 0);
const kind = process.argv[3] || 'bare';
const answer = { currentUser: { id: '656f6c6f6f6f6f6f6f6f6f6f', email: 'floor@example.com', iat: 1764580000 } };
const body = JSON.stringify(answer);

let handler;
if (kind === 'bare') {
  handler = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
} else if (kind === 'express' || kind === 'express-session') {
  const express = require('express');
  handler = express();
  if (kind === 'express-session') handler.use(require('cookie-session')({ name: 'session', signed: false, httpOnly: true, sameSite: 'lax' }));
  handler.get('/api/users/currentuser', (req, res) => {
    res.send(answer);
  });
} else {
  throw new Error(`unknown floor ${kind}`);
}
const server = http.createServer(handler);
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
// The bench went away (killed, crashed): so does the floor.
process.on('disconnect', () => process.exit(0));
