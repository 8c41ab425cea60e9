// `node --import` this file to record every module the process loads, one file URL per line, in the file named
// by $GTH_IMPORT_TRACE: tests read it to see which modules a command loaded. ES imports are seen by a resolve
// hook; require() (including require of an ES module, which skips those hooks on Node 20) by wrapping Module._load.
import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const file = process.env.GTH_IMPORT_TRACE;
if (file) {
  register('./import-trace-hooks.mjs', import.meta.url, { data: { file } });
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const result = load.call(this, request, parent, isMain);
    try {
      const path = Module._resolveFilename(request, parent, isMain);
      appendFileSync(file, `${path.startsWith('node:') || !path.includes('/') ? path : pathToFileURL(path).href}\n`);
    } catch {
      /* built-in without a file: nothing to record */
    }
    return result;
  };
}
