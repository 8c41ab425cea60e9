// Interop with the `bd` CLI's .beads/issues.jsonl: the import/export entry points `gth beads import|export` call.
export { importBdJsonl, importBdRecord, type BdImportOptions, type BdImportProblem, type BdImportResult } from './bd-import.js';
export { exportBdJsonl, exportBdLine, exportBdEntries } from './bd-export.js';
export {
  BD_STATUS_TO_OURS,
  OUR_STATUS_TO_BD,
  BD_TYPE_TO_OURS,
  OUR_TYPE_TO_BD,
  BD_DEP_TO_OURS,
  GTH_KEY,
  IMPORT_NOTE,
  isImportEntry,
} from './bd-map.js';
