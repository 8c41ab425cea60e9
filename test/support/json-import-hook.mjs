// Node module hook: lets packages that `import x from "./file.json"` without `with { type: "json" }` (e.g. @actions/workflow-parser) load on Node 20.
export async function load(url, context, nextLoad) {
  if (url.endsWith('.json') && !context.importAttributes?.type) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return nextLoad(url, context);
}
