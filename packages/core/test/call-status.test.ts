import { describe, expect, it, vi } from 'vitest';
import { CALL_STATUSES, isCallStatus, isTerminalCallStatus } from '../src/index.js';
import { createCallStatusMapper } from '../src/provider-utils.js';

describe('call statuses', () => {
  it('has nine statuses, the last five terminal', () => {
    expect(CALL_STATUSES).toHaveLength(9);
    expect(CALL_STATUSES.filter(isTerminalCallStatus)).toEqual([
      'completed',
      'busy',
      'no-answer',
      'failed',
      'canceled',
    ]);
    expect(isCallStatus('ringing')).toBe(true);
    expect(isCallStatus('answered')).toBe(false);
  });

  it('maps carrier statuses ignoring case and separators, and logs unknown ones', () => {
    const warn = vi.fn();
    const map = createCallStatusMapper({
      provider: 'acme',
      table: { 'no-answer': 'no-answer', user_busy: 'busy', Completed: 'completed' },
      fallback: 'in-progress',
      logger: { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() },
    });
    expect(map('No_Answer')).toBe('no-answer');
    expect(map('USER-BUSY')).toBe('busy');
    expect(map(' completed ')).toBe('completed');
    expect(warn).not.toHaveBeenCalled();
    expect(map('teleported')).toBe('in-progress');
    expect(warn).toHaveBeenCalledWith(
      { provider: 'acme', rawStatus: 'teleported', fallback: 'in-progress' },
      'unknown carrier call status; using the fallback',
    );
    expect(map.known).toEqual(['no-answer', 'user_busy', 'Completed']);
  });
});
