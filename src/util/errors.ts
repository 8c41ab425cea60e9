// Error types the CLI maps to exit codes: UsageError -> 2, everything else -> 1.
export class GthError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GthError';
  }
}

/** Bad flags, unknown ids given on the command line, illegal arguments: exit code 2. */
export class UsageError extends GthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // A message that already quotes its cause says it once.
    const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? `\n  caused by: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
