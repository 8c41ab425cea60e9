// The only environment a rig's code gets: a few allow-listed variables, a fresh HOME and git without credentials.
/** Copied from the caller's environment when present (and not secret-looking). */
const ALLOWED = new Set(['PATH', 'LANG', 'LANGUAGE', 'TERM', 'TZ', 'NO_COLOR']);
const ALLOWED_PREFIXES = ['LC_'];

/**
 * Names never passed on, even if allow-listed: a second guard so that widening the allow-list cannot leak a key.
 * Godot and GUT need none of the GODOT_* variables headless, so none are passed.
 */
const SECRET = /TOKEN|KEY|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|^GITHUB_|^GH_|^GEMINI_|^PRIVATE|^AWS_|^GTH_|^NPM_|^SSH_/i;

export function isSecretName(name: string): boolean {
  return SECRET.test(name);
}

export interface SandboxDirs {
  /** The fresh, empty HOME the rig's code sees. */
  home: string;
  /** Its temp folder. */
  tmp: string;
}

/** Builds the rig's environment from `source` (only allow-listed names are read from it). */
export function sandboxEnv(source: NodeJS.ProcessEnv, dirs: SandboxDirs): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || isSecretName(name)) continue;
    if (ALLOWED.has(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p))) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  const { home, tmp } = dirs;
  Object.assign(env, {
    HOME: home,
    TMPDIR: tmp,
    // Godot keeps its editor settings, caches and logs under the XDG folders; they start empty every run.
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_STATE_HOME: `${home}/.local/state`,
    // git: no system or global config (so no credential helper, no url rewrites), never prompt.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  });
  return env;
}
