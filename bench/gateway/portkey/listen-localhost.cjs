// Preloaded into the Portkey gateway (node -r ./listen-localhost.cjs …):
// every server it starts binds 127.0.0.1 instead of all interfaces, and
// the port it actually got is written to $BENCH_ADDR_FILE (so the
// benchmark can ask for port 0, a free one).
'use strict';
const net = require('node:net');
const fs = require('node:fs');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  // The forms are listen(port[, host][, backlog][, cb]),
  // listen(options[, cb]) and listen(path[, cb]); only TCP ones change.
  if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null) {
    if (args[0].path === undefined) {
      args[0] = { ...args[0], host: '127.0.0.1' };
    }
  } else if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const port = Number(args[0]);
    const rest = args.slice(1).filter((a) => typeof a !== 'string');
    args = [port, '127.0.0.1', ...rest];
  }
  this.once('listening', () => {
    const a = this.address();
    if (a && typeof a === 'object' && process.env.BENCH_ADDR_FILE) {
      fs.writeFileSync(process.env.BENCH_ADDR_FILE, `${a.address}:${a.port}`, { mode: 0o600 });
    }
  });
  return listen.apply(this, args);
};
