#!/usr/bin/env node
import { main } from '../dist/main.js';

// Keep the event loop alive until the command has finished: a command whose last steps await something that holds no
// handle of its own (an unref'd worker's termination, a closing store) must still get to print its outcome, rather
// than end with Node's exit code 13 for an unsettled top-level await and no output.
const keepAlive = setInterval(() => {}, 1 << 30);
try {
  await main(process.argv);
} finally {
  clearInterval(keepAlive);
}
