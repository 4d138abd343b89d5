import { countdown, waitlistQuantities, waitlistStatusText } from '../lib/waitlist';

describe('waiting list helpers', () => {
  it('offers the quantities the split rule could ever sell one buyer', () => {
    expect(waitlistQuantities('any', 3)).toEqual([1, 2, 3]);
    expect(waitlistQuantities('pairs', 6)).toEqual([2, 4, 6]);
    expect(waitlistQuantities('all', 2)).toEqual([1, 2]);
  });

  it('shows time left as m:ss, never below 0:00', () => {
    expect(countdown(600000)).toBe('10:00');
    expect(countdown(61001)).toBe('1:02');
    expect(countdown(-5)).toBe('0:00');
  });

  it('says where the buyer stands', () => {
    expect(waitlistStatusText('waiting', 3)).toBe('Number 3 in line');
    expect(waitlistStatusText('offered')).toBe('Seats held for you');
  });
});
