#!/usr/bin/env node
import { main } from '../dist/cli.js';

// Exit explicitly: a finished command must not linger on an idle keep-alive socket or timer.
process.exit(await main(process.argv.slice(2)));
