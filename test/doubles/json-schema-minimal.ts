// Builds the smallest JSON value that satisfies a JSON Schema, for stand-in structured-output replies.
type Schema = Record<string, unknown>;

/** Returns a minimal value valid for `schema` (objects get only their required properties). */
export function minimalForSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (depth > 32 || schema === true || schema === undefined || schema === null || typeof schema !== 'object') return {};
  const s = schema as Schema;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (typeof s.$ref === 'string') return minimalForSchema(resolveRef(s.$ref, root), root, depth + 1);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = s[key];
    if (Array.isArray(alts) && alts.length > 0) return minimalForSchema(alts[0], root, depth + 1);
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    // Merge object parts so every branch's required properties are present.
    const merged: Record<string, unknown> = {};
    for (const part of s.allOf) {
      const v = minimalForSchema(part, root, depth + 1);
      if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(merged, v);
      else return v;
    }
    return merged;
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': {
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      return 'x'.repeat(min);
    }
    case 'integer':
    case 'number': {
      if (typeof s.minimum === 'number') return type === 'integer' ? Math.ceil(s.minimum) : s.minimum;
      if (typeof s.exclusiveMinimum === 'number') return Math.floor(s.exclusiveMinimum) + 1;
      if (typeof s.maximum === 'number' && s.maximum < 0) return type === 'integer' ? Math.floor(s.maximum) : s.maximum;
      return 0;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      return Array.from({ length: min }, () => minimalForSchema(s.items, root, depth + 1));
    }
    default: {
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      for (const name of required) out[name] = minimalForSchema(props[name], root, depth + 1);
      return out;
    }
  }
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#/')) return {};
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!node || typeof node !== 'object') return {};
    node = (node as Schema)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
