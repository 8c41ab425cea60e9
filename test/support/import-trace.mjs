// `node --import` this file to record every module URL the process resolves, one per line, in the file
// named by $GTH_IMPORT_TRACE: tests read it to see which modules a command loaded.
import { register } from 'node:module';

if (process.env.GTH_IMPORT_TRACE) {
  register('./import-trace-hooks.mjs', import.meta.url, { data: { file: process.env.GTH_IMPORT_TRACE } });
}
