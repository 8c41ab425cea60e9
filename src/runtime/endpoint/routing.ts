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

/** The card of a name that resolves to `server` (as the role's alias when `role` is set). */
function cardFor(id: string, server: ServerPlan, role: AliasRole | null, loaded: ReadonlySet<string>, created: number): ModelCard {
  const gth: ModelCard['gth'] = role
    ? { kind: 'alias', role, server: server.id, sized: `${role}:<tokens>` }
    : { kind: 'model', server: server.id, device: server.device, loaded: loaded.has(server.id) };
  return { id, object: 'model', created, owned_by: 'gastown-hybrid', gth };
}

/**
 * `GET /v1/models`: every name listModelNames gives (catalog models, role aliases, their `<role>:<tokens>` form), in
 * the OpenAI list shape, each card saying where the name routes (resolveModel: one answer for routing and listing).
 */
export function modelCards(t: ModelTable, loaded: ReadonlySet<string>, created: number): ModelCard[] {
  return listModelNames(t).flatMap((name) => {
    const r = resolveModel(name, t);
    return r.ok ? [cardFor(name, r.server, r.role, loaded, created)] : [];
  });
}

/**
 * `GET /v1/models/{model}`: the card of any name a request may use, listed or not (a server id, `polecat:9000`);
 * null when it does not resolve (the caller answers 404 with `why`).
 */
export function modelCard(name: string, t: ModelTable, loaded: ReadonlySet<string>, created: number): { card: ModelCard } | { card: null; why: string } {
  const r = resolveModel(name, t);
  return r.ok ? { card: cardFor(name, r.server, r.role, loaded, created) } : { card: null, why: r.message };
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
