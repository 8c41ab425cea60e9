// Public surface of the local runtime (llama-server supervision) for the CLI, planner, switcher and providers.
export { Supervisor, type SupervisorOptions } from './supervisor.js';
export { RuntimeConfig, loadRuntimeSettings, resolveRuntimeSettings, runtimeSettings, type RuntimeSettings } from './config.js';
export { runtimeDown, runtimeStatus, stopRecordedServers, type RuntimeStatus, type DownResult } from './control.js';
export { readMeasuredSpeeds, readSpeedRecords, recordMeasuredSpeed } from './speeds.js';
export {
  readServerEndpoints, readUnhealthyModels, clearUnhealthy, readPressure, readServerStates, type ServerState, type Pressure,
} from './state-store.js';
export { NvidiaSmi, type GpuDetection, type GpuReading } from './gpu.js';
export { PreflightError } from './preflight.js';
export { StartError } from './server-process.js';
export { requestSwap, serveSwapRequests } from './swap-channel.js';
