import { runDispatcher } from './entry.js';

// Entry of the single executable (scripts/build-exe.mjs): `warmstandby TOOL ...`, or a link
// named after a tool. argv0 keeps the name it was invoked by; argv[1] repeats the executable.
void runDispatcher(process.argv0, process.argv.slice(2));
