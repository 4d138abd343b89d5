import { allowedQuantities, SplitRule, splitAllows } from './split';

describe('split rules', () => {
  it('any: every quantity up to what is available', () => {
    expect(allowedQuantities(SplitRule.Any, 4)).toEqual([1, 2, 3, 4]);
  });

  it('pairs: even quantities only', () => {
    expect(allowedQuantities(SplitRule.Pairs, 6)).toEqual([2, 4, 6]);
    expect(splitAllows(SplitRule.Pairs, 6, 3)).toBe(false);
  });

  it('no-single: never leaves exactly one seat', () => {
    expect(allowedQuantities(SplitRule.NoSingle, 4)).toEqual([1, 2, 4]);
    expect(allowedQuantities(SplitRule.NoSingle, 1)).toEqual([1]);
  });

  it('all: only every remaining seat', () => {
    expect(allowedQuantities(SplitRule.All, 5)).toEqual([5]);
    expect(allowedQuantities(SplitRule.All, 0)).toEqual([]);
  });
});
