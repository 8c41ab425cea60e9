// Reads convoys and their beads from the convoy/* branches of the app's clone (the state the lifecycle keeps in git).
import type { Logger } from 'pino';
import type { Bead, Convoy } from '../beads/schema.js';
import { parseBeadText, parseConvoyText } from '../beads/serialize.js';
import type { TownCheckout } from './town-repo.js';

async function convoysAt(t: TownCheckout, ref: string): Promise<Convoy[]> {
  const names = (await t.tryGit(['ls-tree', '--name-only', `${ref}:beads/convoys`])) ?? '';
  const out: Convoy[] = [];
  for (const name of names.split('\n').filter((n) => n.endsWith('.json'))) {
    out.push(parseConvoyText(await t.git(['show', `${ref}:beads/convoys/${name}`]), `${ref}:beads/convoys/${name}`));
  }
  return out;
}

async function beadsAt(t: TownCheckout, ref: string, ids: string[]): Promise<Bead[]> {
  const out: Bead[] = [];
  for (const id of ids) {
    const text = await t.tryGit(['show', `${ref}:beads/${id}.json`]);
    if (text !== null) out.push(parseBeadText(text, `${ref}:beads/${id}.json`));
  }
  return out;
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
