// The runner jobs the app dispatches and the workflow file of each (the `gth job <kind>` argument).

/** Job kinds = workflow files in .github/workflows/ (the `gth job <kind>` argument). */
export const JOB_KINDS = ['refinery-tests', 'polecat', 'refinery-review', 'librarian'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const WORKFLOW_FILE: Record<JobKind, string> = {
  'refinery-tests': 'refinery-tests.yml',
  polecat: 'polecat.yml',
  'refinery-review': 'refinery-review.yml',
  librarian: 'librarian.yml',
};
