import { describe, expect, it } from 'vitest';
import { canTransition, finality, isActive, isFinal, statuses, type Status } from '../src/deployment/lifecycle.js';

describe('the status lifecycle', () => {
  const allowed: [Status, Status][] = [
    ['pending', 'running'],
    ['pending', 'failed'],
    ['pending', 'cancelled'],
    ['pending', 'stale'],
    ['running', 'success'],
    ['running', 'failed'],
    ['running', 'cancelled'],
    ['running', 'timeout'],
    ['running', 'stale'],
    ['timeout', 'success'],
    ['timeout', 'failed'],
    ['stale', 'success'],
    ['stale', 'cancelled'],
  ];
  it.each(allowed)('%s may become %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  const forbidden: [Status, Status][] = [
    ['running', 'pending'],
    ['pending', 'timeout'],
    ['running', 'running'],
    ['timeout', 'running'],
    ['stale', 'running'],
    ['stale', 'timeout'],
  ];
  it.each(forbidden)('%s may not become %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it.each(['success', 'failed', 'cancelled'] as Status[])('the final status %s never changes again', (from) => {
    for (const to of statuses) expect(canTransition(from, to)).toBe(false);
    expect(isFinal(from)).toBe(true);
  });

  it('only pending and running count as active', () => {
    expect(statuses.filter(isActive)).toEqual(['pending', 'running']);
  });

  it('final outranks unresolved, which outranks running and pending', () => {
    expect(finality('failed')).toBeGreaterThan(finality('timeout'));
    expect(finality('stale')).toBeGreaterThan(finality('running'));
    expect(finality('running')).toBeGreaterThan(finality('pending'));
  });
});
