// The OpenAPI request checker itself: it must fail wrong paths, methods, query names and bodies, and pass correct ones.
import { describe, expect, it } from 'vitest';
import { checkRequest } from '../../support/openapi-check.js';

describe('checkRequest', () => {
  it('accepts correct requests and names their operation', () => {
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/actions/workflows/polecat.yml/dispatches', body: { ref: 'main', inputs: { bead: 'gt-1' } } }))
      .toEqual({ operationId: 'actions/create-workflow-dispatch', template: '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', problems: [] });
    expect(checkRequest({ method: 'GET', path: '/repos/o/r/issues/comments/5' }).operationId).toBe('issues/get-comment');
    expect(checkRequest({ method: 'GET', path: '/repos/o/r/issues/5/comments?per_page=100' }).problems).toEqual([]);
  });

  it('fails a wrong path, a wrong method, an unknown query parameter', () => {
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/actions/workflow/x/dispatches', body: { ref: 'a' } }).problems[0]).toMatch(/no such path/);
    expect(checkRequest({ method: 'PUT', path: '/repos/o/r/issues/5/comments', body: { body: 'x' } }).problems[0]).toMatch(/has no PUT operation/);
    expect(checkRequest({ method: 'GET', path: '/repos/o/r/issues?label=epic' }).problems[0]).toMatch(/unknown query parameter "label"/);
  });

  it('fails a body that misses a required field, has a wrong enum, or a misspelt field', () => {
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/issues/5/comments', body: {} }).problems.join()).toMatch(/required property 'body'/);
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/pulls/2/reviews', body: { event: 'APPROVED' } }).problems.join()).toMatch(/allowed values/);
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/issues/comments/9/reactions', body: { content: 'eyes', emoji: 1 } }).problems.join())
      .toMatch(/additional properties "emoji"/);
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/issues/comments/9/reactions', body: { content: 'smile' } }).problems.join()).toMatch(/allowed values/);
    expect(checkRequest({ method: 'POST', path: '/repos/o/r/issues/5/comments' }).problems.join()).toMatch(/requires a JSON body/);
  });
});
