// Loads a versioned role brief from templates/roles, fills its placeholders and attaches the rig's docs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { encode } from 'gpt-tokenizer';
import { Role } from '../../beads/schema.js';
import { ConfigError } from '../../config/load.js';
import { packagePath } from '../paths.js';
import { MAX_CREW_CONSULTS } from '../contracts.js';
import type { LoadedRig } from '../rig/load.js';
import type { RigConfig } from '../rig/schema.js';

export const BriefHeader = z.strictObject({
  role: Role,
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a version like 1.0.0'),
});

export interface BriefAttachment {
  rig: string;
  path: string;
  content: string;
}

export interface Brief {
  role: Role;
  version: string;
  /** Template file the brief came from. */
  file: string;
  /** The filled brief without attachments. */
  body: string;
  /** What the model gets: the body followed by the attached rig docs. */
  text: string;
  attachments: BriefAttachment[];
  /** "rig/path" of docs the rig config lists but the rig lacks. */
  missingDocs: string[];
  /** gpt-tokenizer count of `text` (an estimate for other tokenizers). */
  tokens: number;
}

export interface BriefOptions {
  rig?: LoadedRig;
  /** Several rigs (the Mayor plans across rigs); their docs are all attached. */
  rigs?: LoadedRig[];
  vars?: Record<string, string>;
  templatesDir?: string;
}

export const DEFAULT_TEMPLATES_DIR = packagePath('templates', 'roles');

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/;
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

/** Reads and validates a template's header; the body still has its placeholders. */
export function readTemplate(role: Role, templatesDir = DEFAULT_TEMPLATES_DIR): { file: string; version: string; body: string } {
  const file = join(templatesDir, `${role}.md`);
  if (!existsSync(file)) throw new ConfigError(`${file}: no brief template for role "${role}"`);
  const raw = readFileSync(file, 'utf8');
  const m = FRONT_MATTER.exec(raw);
  if (!m) throw new ConfigError(`${file}: missing the version header (--- role / version ---)`);
  let header: unknown;
  try {
    header = yaml.load(m[1]!);
  } catch (err) {
    throw new ConfigError(`${file}: version header is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = BriefHeader.safeParse(header);
  if (!parsed.success) throw new ConfigError(`${file}: header: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  if (parsed.data.role !== role) throw new ConfigError(`${file}: header says role "${parsed.data.role}", expected "${role}"`);
  return { file, version: parsed.data.version, body: raw.slice(m[0].length) };
}

const FRAMEWORK_NAMES: Record<RigConfig['tests']['framework'], string> = { gut: 'GUT', gdunit4: 'gdUnit4' };

function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** Placeholder values derived from a rig config. */
export function rigVars(config: RigConfig): Record<string, string> {
  const cov = config.coverage;
  return {
    'rig.name': config.name,
    'rig.framework': FRAMEWORK_NAMES[config.tests.framework],
    'rig.testCommand': config.tests.command.map(shellWord).join(' '),
    'rig.testDirs': config.tests.dirs.map((d) => `\`${d}\``).join(', '),
    'rig.coverage': cov
      ? `at least ${Math.round(cov.minRatio * 100)}% of the public functions in ${cov.sourceDirs.map((d) => `\`${d}\``).join(', ')} must be called by tests.`
      : 'none configured for this rig.',
    'rig.docs': config.docs.map((d) => `\`${d}\``).join(', '),
  };
}

export function loadBrief(role: Role, options: BriefOptions = {}): Brief {
  const { file, version, body: template } = readTemplate(role, options.templatesDir);
  const rigs = [...(options.rig ? [options.rig] : []), ...(options.rigs ?? [])];
  const vars: Record<string, string> = {
    ...(options.rig ? rigVars(options.rig.config) : {}),
    rigList: rigs.length > 0 ? rigs.map((r) => `\`${r.config.name}\``).join(', ') : '(none given)',
    crewQuestions: String(MAX_CREW_CONSULTS),
    ...options.vars,
  };
  const unknown = new Set<string>();
  const body = template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) unknown.add(name);
    return v ?? whole;
  });
  if (unknown.size > 0) {
    const needRig = [...unknown].some((n) => n.startsWith('rig.')) && !options.rig;
    throw new ConfigError(`${file}: no value for placeholder(s) ${[...unknown].map((n) => `{{${n}}}`).join(', ')}${needRig ? ` (the ${role} brief needs a rig)` : ''}`);
  }

  const attachments: BriefAttachment[] = [];
  const missingDocs: string[] = [];
  const parts = [body.trimEnd()];
  for (const rig of rigs) {
    for (const doc of rig.config.docs) {
      const path = join(rig.root, doc);
      if (!existsSync(path)) {
        missingDocs.push(`${rig.config.name}/${doc}`);
        parts.push(`---\n\n# Rig document: ${doc} (rig ${rig.config.name})\n\n(${doc} is not present in the rig.)`);
        continue;
      }
      const content = readFileSync(path, 'utf8');
      attachments.push({ rig: rig.config.name, path: doc, content });
      parts.push(`---\n\n# Rig document: ${doc} (rig ${rig.config.name})\n\n${content.trimEnd()}`);
    }
  }
  const text = `${parts.join('\n\n')}\n`;
  return { role, version, file, body, text, attachments, missingDocs, tokens: encode(text).length };
}

/** The system prompt for a role on one rig (what the engine sends). */
export function briefText(role: Role, rig: LoadedRig): string {
  return loadBrief(role, role === 'mayor' ? { rigs: [rig] } : { rig }).text;
}
