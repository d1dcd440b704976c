// Preloaded with `node --require`: makes the CLI's stdout a non-blocking descriptor before it starts, as a parent
// Node process sharing the pipe would. Node's stream for a pipe opens it non-blocking (libuv), for everyone
// holding it; a write(2) to it that finds the pipe full then fails with EAGAIN instead of waiting.
'use strict';
void process.stdout;
