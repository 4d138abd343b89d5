import { cleanCode, passStatusMeaning, seatLabel } from '../lib/passes';

describe('seatLabel', () => {
  it('names section and row when the listing has them, and always the seat', () => {
    expect(seatLabel({ section: 'A', row: '12', number: 2 })).toBe('Section A · Row 12 · Seat 2');
    expect(seatLabel({ row: '3', number: 1 })).toBe('Row 3 · Seat 1');
    expect(seatLabel({ section: null, row: null, number: 4 })).toBe('Seat 4');
  });
});

describe('passStatusMeaning', () => {
  it.each([
    ['valid', 'Valid: show this code at the gate'],
    ['used', 'Used: admitted at the gate'],
    ['void', 'Void: sent to someone else, refunded or its event cancelled'],
  ])('explains %s in plain words', (status, meaning) => {
    expect(passStatusMeaning(status)).toBe(meaning);
  });

  it.each(['lost', 'toString', ''])('shows a status it does not know (%j) as its word', (status) => {
    expect(passStatusMeaning(status)).toBe(`This pass is ${status}`);
  });
});

describe('cleanCode', () => {
  it('trims what a scanner or a person added around the code, and changes nothing else', () => {
    expect(cleanCode('  abc.DEF-_.x\n')).toBe('abc.DEF-_.x');
  });
});
