// Pure: the models the endpoint serves (one per planned or standby server) and how a requested name or alias resolves to a server.
import type { ServerPlan } from '../../fleet/plan-schema.js';

export const ALIAS_ROLES = ['polecat', 'refinery', 'librarian'] as const;
export type AliasRole = (typeof ALIAS_ROLES)[number];

/** What the switcher says for a role and prompt size: a local catalog model, or a cloud model the fleet does not serve. */
export type SwitcherPick = { local: true; model: string; device: 'gpu' | 'cpu' } | { local: false; model: string };

export interface ModelTable {
  /** Planned servers in plan order (most important first). */
  servers: readonly ServerPlan[];
  /** The switcher, asked for `<role>:<tokens>`. */
  pick: (role: AliasRole, promptTokens: number) => SwitcherPick;
}

export type Resolution = { ok: true; server: ServerPlan; role: AliasRole | null } | { ok: false; status: 404; message: string };

/** Every name a client may send: catalog models that have a planned server, then the role aliases and their sized form. */
export function listModelNames(t: ModelTable): string[] {
  const models = [...new Set(t.servers.map((s) => s.model))];
  const aliases = ALIAS_ROLES.filter((r) => t.servers.some((s) => s.roles.includes(r)));
  return [...models, ...aliases, ...aliases.map((r) => `${r}:<tokens>`)];
}

/** What a client may send one model in one request: its server's context per slot, and a share of it for the answer. */
export interface ModelLimit {
  context: number;
  output: number;
}

/**
 * Limits per name a client configures (models and role aliases): an agent tool that knows the window compacts its
 * history in time instead of sending a prompt the slot cannot hold. The answer gets a quarter of the window, at most
 * 8192 tokens (llama-server stops a slot that fills).
 */
export function modelLimits(t: ModelTable): Record<string, ModelLimit> {
  const limit = (s: ServerPlan): ModelLimit => ({ context: s.ctxPerSlot, output: Math.min(8192, Math.floor(s.ctxPerSlot / 4)) });
  const out: Record<string, ModelLimit> = {};
  for (const s of t.servers) out[s.model] ??= limit(s);
  for (const role of ALIAS_ROLES) {
    const s = t.servers.find((x) => x.roles.includes(role));
    if (s) out[role] = limit(s);
  }
  return out;
}

/** One entry of `GET /v1/models`: OpenAI's model object, plus what this endpoint knows about the name. */
export interface ModelCard {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /**
   * model: a catalog model, its server and whether it is loaded now (a request for one that is not loads it).
   * alias: a role's most important server; `sized` is the `<role>:<tokens>` form that lets the switcher choose by
   * prompt size. That form is listed too, as an id of its own: a client that sends it verbatim (one that offers
   * every listed id) gets the role's most important server, as for the plain alias.
   */
  gth: { kind: 'model'; server: string; device: 'gpu' | 'cpu'; loaded: boolean } | { kind: 'alias'; role: AliasRole; server: string; sized: string };
}

/** `GET /v1/models`: every catalog model the endpoint can route to, then the role aliases and their `<role>:<tokens>` form, in the OpenAI list shape. */
export function modelCards(t: ModelTable, loaded: ReadonlySet<string>, created: number): ModelCard[] {
  const card = (id: string, gth: ModelCard['gth']): ModelCard => ({ id, object: 'model', created, owned_by: 'gastown-hybrid', gth });
  const cards: ModelCard[] = [];
  const seen = new Set<string>();
  for (const s of t.servers) {
    if (seen.has(s.model)) continue;
    seen.add(s.model);
    cards.push(card(s.model, { kind: 'model', server: s.id, device: s.device, loaded: loaded.has(s.id) }));
  }
  const aliases = ALIAS_ROLES.flatMap((role) => {
    const s = t.servers.find((x) => x.roles.includes(role));
    return s ? [{ role, server: s.id }] : [];
  });
  for (const { role, server } of aliases) cards.push(card(role, { kind: 'alias', role, server, sized: `${role}:<tokens>` }));
  for (const { role, server } of aliases) cards.push(card(`${role}:<tokens>`, { kind: 'alias', role, server, sized: `${role}:<tokens>` }));
  return cards;
}

/**
 * `GET /v1/models/{model}`: the listed card of that name, or, for a name that resolves without being listed (a server
 * id, `polecat:9000`), a card for what it resolves to; null when nothing does (the caller answers 404 with `why`).
 */
export function modelCard(name: string, t: ModelTable, loaded: ReadonlySet<string>, created: number): { card: ModelCard } | { card: null; why: string } {
  const listed = modelCards(t, loaded, created).find((c) => c.id === name);
  if (listed) return { card: listed };
  const r = resolveModel(name, t);
  if (!r.ok) return { card: null, why: r.message };
  const gth: ModelCard['gth'] = r.role
    ? { kind: 'alias', role: r.role, server: r.server.id, sized: `${r.role}:<tokens>` }
    : { kind: 'model', server: r.server.id, device: r.server.device, loaded: loaded.has(r.server.id) };
  return { card: { id: name, object: 'model', created, owned_by: 'gastown-hybrid', gth } };
}

const isAliasRole = (x: string): x is AliasRole => (ALIAS_ROLES as readonly string[]).includes(x);

/** Exact model name, role alias (its most important server), or `<role>:<tokens>` resolved by the switcher. */
export function resolveModel(name: string, t: ModelTable): Resolution {
  const known = (): string => listModelNames(t).join(', ');
  const byModel = t.servers.find((s) => s.model === name || s.id === name);
  if (byModel) return { ok: true, server: byModel, role: null };
  // `polecat`, `polecat:9000`, and the listed pattern `polecat:<tokens>` sent verbatim (taken as the plain alias).
  const m = /^([a-z]+)(?::(\d+|<tokens>))?$/.exec(name);
  const role = m?.[1];
  if (role && isAliasRole(role)) {
    if (m?.[2] === undefined || m[2] === '<tokens>') {
      const server = t.servers.find((s) => s.roles.includes(role));
      if (server) return { ok: true, server, role };
      return { ok: false, status: 404, message: `model '${name}': no planned server serves the ${role}; models: ${known()}` };
    }
    const tokens = Number(m[2]);
    const pick = t.pick(role, tokens);
    if (!pick.local) {
      return { ok: false, status: 404, message: `model '${name}': the switcher sends ${tokens} prompt tokens to the cloud model ${pick.model}, which this endpoint does not serve; models: ${known()}` };
    }
    const server = t.servers.find((s) => s.model === pick.model && s.device === pick.device) ?? t.servers.find((s) => s.model === pick.model);
    if (server) return { ok: true, server, role };
    return { ok: false, status: 404, message: `model '${name}': the switcher picks ${pick.model}, which has no planned server; models: ${known()}` };
  }
  return { ok: false, status: 404, message: `model '${name}' is not served here; models: ${known()}` };
}
