// Public surface of the cost area.
export { LedgerEntry, type LedgerProblem } from './ledger-schema.js';
export { appendLedgerEntry, readLedger, parseLedger, resolveLedgerPath, type LedgerRead } from './ledger.js';
export { PriceTable, ModelPrice, loadPrices, defaultPricesPath, modelPrice, tokenCost, electricityCost, type LoadedPrices } from './prices.js';
export { integrateWh, configuredWh, energyBetween, splitEnergy, powerSamplerFrom, type PowerSampler, type PowerSample, type EnergyResult, type CallSpan } from './energy.js';
export { PowerDomain, startEnergySpan, type LocalDevice, type PowerDomainOptions } from './power-domain.js';
export { CostConfig, loadCostConfig, pricesPathFor, counterfactualModel } from './config.js';
export { LedgerMeter, type LedgerMeterOptions } from './meter.js';
export { createLedgerMeter, type MeterSetup } from './setup.js';
export { buildReport, counterfactualUsd, deviceOf, NO_CONVOY, type CostReport, type CostRow, type ReportOptions } from './report.js';
export { cloudSpeeds, allCloudSeconds, type CloudSpeed } from './cloud-time.js';
export { crossMeterOverlaps } from './overlap.js';
export { formatReport } from './report-text.js';
export { renderReportHtml, loadChartJs, CHART_IDS } from './report-html.js';
export { costReport, writeHtmlReport, type CostReportInput } from './run-report.js';
