// The list of command groups. Each area adds one import and one call here.
import type { Command } from 'commander';

export function registerAll(_program: Command): void {
  // registrations are added per area below
}
