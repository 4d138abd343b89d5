'use strict';
// The floor: a bare Node `http` server answering what
// GET /api/users/currentuser answers a signed-in user (same JSON, same
// content type), in its own process as a service would be. Every throughput
// figure of the bench is divided by this server's, measured in the same run,
// so a busy machine lowers both.
//   node bench/floor.js <port>
const http = require('http');

const port = Number(process.argv[2] || 0);
const body = JSON.stringify({ currentUser: { id: '656f6c6f6f6f6f6f6f6f6f6f', email: 'floor@example.com', iat: 1764580000 } });

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
// The bench went away (killed, crashed): so does the floor.
process.on('disconnect', () => process.exit(0));
