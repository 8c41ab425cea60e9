// Loads the fleet's config sections (hardware, catalog or catalogFile, switcher) and cross-checks them, reporting every problem at once.
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, configSection, formatIssues, parseYamlFile, type RawConfig } from '../config/load.js';
import { HardwareProfile } from './hardware.js';
import { Catalog } from './catalog-schema.js';
import { SwitcherConfig } from './switcher-schema.js';
import { DEFAULT_CATALOG_INPUT } from './default-catalog.js';
import { checkFleetConfig } from './config-check.js';

export interface FleetConfig {
  hardware: HardwareProfile;
  catalog: Catalog;
  switcher: SwitcherConfig;
  /** Where the catalog came from, for messages. */
  catalogSource: string;
  /** The catalogFile it was read from, if any. */
  catalogFile?: string;
}

/** Reads a catalog YAML file: a list of models, or a mapping with a `catalog` (or `models`) list. */
export function loadCatalogFile(file: string): Catalog {
  if (!existsSync(file)) throw new ConfigError(`catalog file not found: ${file}`);
  const data = parseYamlFile(file) as unknown;
  const map = data as Record<string, unknown>;
  const key = Array.isArray(data) ? null : 'catalog' in map ? 'catalog' : 'models';
  const parsed = Catalog.safeParse(key ? map[key] : data);
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error, key ? [key] : []));
  return parsed.data;
}

/** Validates the three sections; every problem from every section ends up in one ConfigError. */
export function loadFleetConfig(raw: RawConfig, cwd = process.cwd()): FleetConfig {
  const problems: string[] = [];
  const where = raw.file ?? 'built-in defaults';
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) {
        problems.push(err.message);
        return undefined;
      }
      throw err;
    }
  };
  const hardware = attempt(() => configSection(raw, 'hardware', HardwareProfile, {}));
  const switcher = attempt(() => configSection(raw, 'switcher', SwitcherConfig, {}));
  let catalogSource = 'built-in catalog';
  let catalogFile: string | undefined;
  const catalog = attempt(() => {
    if ('catalog' in raw.data) {
      catalogSource = `${where}: catalog`;
      return configSection(raw, 'catalog', Catalog);
    }
    if ('catalogFile' in raw.data) {
      const rel = configSection(raw, 'catalogFile', z.string().min(1));
      const file = resolve(raw.file ? dirname(raw.file) : cwd, rel);
      catalogSource = file;
      catalogFile = file;
      return loadCatalogFile(file);
    }
    return Catalog.parse(DEFAULT_CATALOG_INPUT);
  });
  if (hardware && switcher && catalog) {
    problems.push(...checkFleetConfig(hardware, catalog, switcher).map((p) => `${where}: ${p}`));
  }
  // Each section repeats the file's unknown-key lines: keep one of each.
  if (problems.length || !hardware || !switcher || !catalog) throw new ConfigError([...new Set(problems.join('\n').split('\n'))].join('\n'));
  return { hardware, catalog, switcher, catalogSource, ...(catalogFile ? { catalogFile } : {}) };
}
