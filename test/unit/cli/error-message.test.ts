// How an error and its cause are printed: the cause once, on its own line, unless the message already quotes it.
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../../src/util/errors.js';

describe('errorMessage', () => {
  it('adds the cause on a line of its own, and leaves it out when the message already quotes it', () => {
    const cause = new Error('port 8080 on 127.0.0.1 is already in use (EADDRINUSE)');
    expect(errorMessage(new Error('runtime up failed', { cause }))).toBe('runtime up failed\n  caused by: port 8080 on 127.0.0.1 is already in use (EADDRINUSE)');
    expect(errorMessage(new Error(`runtime.endpoint.port: ${cause.message}; pick another`, { cause }))).toBe(`runtime.endpoint.port: ${cause.message}; pick another`);
    expect(errorMessage('plain')).toBe('plain');
  });
});
