// Preload (`node -r ./loopback.cjs …`): binds every listen() on a numeric port to 127.0.0.1.
// Why: server-everything calls app.listen(PORT) with no host, which would listen on every
// interface; our tests must stay on loopback. Calls that already name a host, or that listen
// on a path / handle / options object, are left alone.
'use strict';
const net = require('node:net');

const originalListen = net.Server.prototype.listen;

function isNumericPort(value) {
  return (typeof value === 'number' && Number.isInteger(value)) ||
    (typeof value === 'string' && /^[0-9]+$/.test(value));
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  // listen(port[, host][, backlog][, callback]): insert the host only when none was given.
  if (args.length > 0 && isNumericPort(args[0]) && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  }
  return originalListen.apply(this, args);
};
