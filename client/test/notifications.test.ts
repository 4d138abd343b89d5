import { bellCount, bellLabel } from '../lib/notifications';

describe('the notifications bell', () => {
  it('names itself with the unread count for screen readers, and only then', () => {
    expect(bellLabel(null)).toBe('Notifications');
    expect(bellLabel(0)).toBe('Notifications');
    expect(bellLabel(1)).toBe('Notifications, 1 unread');
    expect(bellLabel(12)).toBe('Notifications, 12 unread');
  });

  it('shows the count, 99+ beyond 99', () => {
    expect(bellCount(3)).toBe('3');
    expect(bellCount(99)).toBe('99');
    expect(bellCount(100)).toBe('99+');
  });
});
