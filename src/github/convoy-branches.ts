// Reads convoys and their beads from the convoy/* branches of the app's clone (the state the lifecycle keeps in git).
import type { Logger } from 'pino';
import type { Bead, Convoy } from '../beads/schema.js';
import { parseBeadText, parseConvoyText } from '../beads/serialize.js';
import type { TownCheckout } from './town-repo.js';

async function convoysAt(t: TownCheckout, ref: string): Promise<Convoy[]> {
  const names = ((await t.tryGit(['ls-tree', '--name-only', `${ref}:beads/convoys`])) ?? '').split('\n').filter((n) => n.endsWith('.json'));
  const specs = names.map((name) => `${ref}:beads/convoys/${name}`);
  const texts = await t.showAll(specs);
  return texts.map((text, i) => {
    if (text === null) throw new Error(`${specs[i]}: listed but not readable`);
    return parseConvoyText(text, specs[i]!);
  });
}

async function beadsAt(t: TownCheckout, ref: string, ids: string[]): Promise<Bead[]> {
  const specs = ids.map((id) => `${ref}:beads/${id}.json`);
  const texts = await t.showAll(specs);
  return texts.flatMap((text, i) => (text === null ? [] : [parseBeadText(text, specs[i]!)]));
}

/** Looks at every convoy/* branch for the convoy that branch was made for; a branch with unreadable files is skipped (and logged). */
export async function findConvoy(t: TownCheckout, log: Logger, match: (c: Convoy) => boolean): Promise<{ convoy: Convoy; beads: Bead[] } | null> {
  const refs = (await t.git(['for-each-ref', '--format=%(refname:short)', 'refs/remotes/origin/convoy/'])).split('\n').filter(Boolean);
  for (const ref of refs) {
    try {
      const convoy = (await convoysAt(t, ref)).find((c) => `origin/${c.branch ?? `convoy/${c.id}`}` === ref && match(c));
      if (convoy) return { convoy, beads: await beadsAt(t, ref, convoy.beads) };
    } catch (err) {
      log.warn({ err, ref }, 'skipping a convoy branch whose bead files cannot be read');
    }
  }
  return null;
}
