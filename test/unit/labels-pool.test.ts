/**
 * When the IAM fetch reads account labels in worker threads, and how errors cross back from them.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { labelWorkerCount, MIN_REQUESTS_FOR_WORKERS, reviveError, sendableError } from '../../src/clients/labels-pool.js';
import { InputError, OperationError } from '../../src/engine/errors.js';

describe('label worker threads', () => {
  it('are not started for small fetches, and leave the main thread a share of the concurrency', () => {
    expect(labelWorkerCount(MIN_REQUESTS_FOR_WORKERS - 1, 48)).toBe(0);
    expect(labelWorkerCount(100_000, 48)).toBe(Math.min(availableParallelism() - 1, 47));
    expect(labelWorkerCount(100_000, 1)).toBe(0);
    expect(labelWorkerCount(10, 7, 2)).toBe(2);
    expect(labelWorkerCount(10, 3, 5)).toBe(2);
    expect(labelWorkerCount(100_000, 48, 0)).toBe(0);
  });

  it('send errors back as the same class with the same message', () => {
    const input = new InputError('https://iam.example.org/iam/account/u-1/labels', '[0].name', 'expected a string');
    const back = reviveError(structuredClone(sendableError(input)));
    expect(back).toBeInstanceOf(InputError);
    expect(back.message).toBe(input.message);
    expect((back as InputError).file).toBe(input.file);
    expect((back as InputError).where).toBe(input.where);

    const network = reviveError(structuredClone(sendableError(new OperationError('IAM GET https://iam.example.org/x: HTTP 503 (after 5 attempts)'))));
    expect(network).toBeInstanceOf(OperationError);
    expect(network.message).toBe('IAM GET https://iam.example.org/x: HTTP 503 (after 5 attempts)');

    const bug = reviveError(structuredClone(sendableError(new TypeError('x is undefined'))));
    expect([bug.name, bug.message]).toEqual(['TypeError', 'x is undefined']);
  });
});
