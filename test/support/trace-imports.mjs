// Preloaded with `node --import` by the lazy-loading test: registers a resolve hook that writes every module
// URL the CLI resolves to $SHIPLOG_TRACE_FILE, so the test can tell which packages a command really loaded.
import { register } from 'node:module';

register('./trace-imports-hooks.mjs', import.meta.url);
