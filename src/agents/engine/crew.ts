// The Crew: answers questions about one rig from its docs and file tree only, citing the files it used.
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { CrewAnswer, NOT_IN_DOCS, checkCitations } from '../contracts.js';
import { listFiles } from '../../fleet/rig-context.js';
import type { LoadedRig } from '../rig/load.js';
import type { ModelChoice } from './router.js';
import type { Role } from '../../beads/schema.js';
import { askJson } from './ask.js';
import type { ChatMessage } from '../../providers/types.js';

const DOC_RE = /(^|\/)(README|AGENTS|CONTRIBUTING|CHANGELOG)[^/]*\.md$|^docs\/.*\.md$|\.gastown\/rig\.yml$/i;

/** The rig's docs (README, AGENTS.md, docs/*.md, rig.yml) and its file tree: all the Crew may use. */
export function rigKnowledge(rig: LoadedRig, maxDocChars = 60_000): { docs: Record<string, string>; tree: string[] } {
  const tree = listFiles(rig.root).sort();
  const docs: Record<string, string> = {};
  let used = 0;
  for (const f of [...rig.config.docs, ...tree.filter((f) => DOC_RE.test(f))]) {
    if (f in docs || !existsSync(join(rig.root, f))) continue;
    const text = readFileSync(join(rig.root, f), 'utf8');
    if (used + text.length > maxDocChars) break;
    docs[f] = text;
    used += text.length;
  }
  return { docs, tree };
}

/** The Crew's prompt: the question, the rig's file tree and docs (also what `gth run-epic --dry-run` counts). */
export function crewMessages(rig: LoadedRig, question: string, brief: (role: Role, rig: LoadedRig) => string): ChatMessage[] {
  const { docs, tree } = rigKnowledge(rig);
  return [
    { role: 'system', content: brief('crew', rig) },
    {
      role: 'user',
      content: [
        `# Question about rig "${rig.config.name}"`,
        question,
        '',
        '## File tree',
        tree.join('\n'),
        '',
        '## Docs',
        ...Object.entries(docs).map(([f, t]) => `### ${f}\n${t}`),
        '',
        `Answer only from these docs and this tree. If they do not say, set found=false and say "${NOT_IN_DOCS}".`,
        'Answer as JSON {"answer": "...", "found": true|false, "citations": ["file", ...]}.',
      ].join('\n'),
    },
  ];
}

export async function askCrew(
  choice: ModelChoice,
  rig: LoadedRig,
  question: string,
  brief: (role: Role, rig: LoadedRig) => string,
  convoyId?: string,
  beadId?: string,
): Promise<CrewAnswer> {
  const { tree } = rigKnowledge(rig);
  const messages = crewMessages(rig, question, brief);
  const meta = { role: 'crew' as const, ...(convoyId ? { convoyId } : {}), ...(beadId ? { beadId } : {}) };
  let answer = await askJson(choice, messages, meta, CrewAnswer, 'crew_answer');
  let invented = checkCitations(answer, tree);
  if (invented.length) {
    // One chance to cite only real files; after that the answer is not trusted.
    messages.push({ role: 'assistant', content: JSON.stringify(answer) }, { role: 'user', content: `Fix these citations:\n${invented.join('\n')}` });
    answer = await askJson(choice, messages, meta, CrewAnswer, 'crew_answer');
    invented = checkCitations(answer, tree);
    if (invented.length) return { answer: `${NOT_IN_DOCS} (the answer cited files that do not exist)`, found: false, citations: [] };
  }
  return answer;
}
