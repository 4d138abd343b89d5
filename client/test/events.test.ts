import {
  categoryLabel,
  eventsApiParams,
  eventsPageHref,
  formatOffset,
  isFiltered,
  isoToLocalInput,
  localInputToIso,
  readEventSearch,
} from '../lib/events';

describe('readEventSearch', () => {
  it('has defaults for an empty address', () => {
    expect(readEventSearch({})).toEqual({ q: '', category: '', city: '', from: '', to: '', limit: 20, offset: 0 });
  });

  it('keeps a full search, trimmed, taking the first of repeated values', () => {
    expect(
      readEventSearch({ q: ['  jazz ', 'rock'], category: 'concert', city: ' Paris ', from: '2027-03-01', to: '2027-03-31', limit: '5', offset: '10' }),
    ).toEqual({ q: 'jazz', category: 'concert', city: 'Paris', from: '2027-03-01', to: '2027-03-31', limit: 5, offset: 10 });
  });

  it.each([
    ['an unknown category', { category: 'opera' }, 'category', ''],
    ['a day that does not exist', { from: '2027-02-30' }, 'from', ''],
    ['a time instead of a day', { to: '2027-03-01T10:00:00Z' }, 'to', ''],
    ['a limit above the page maximum', { limit: '500' }, 'limit', 99],
    ['a zero limit', { limit: '0' }, 'limit', 1],
    ['a negative offset', { offset: '-3' }, 'offset', 0],
  ])('drops or clamps %s', (_name, query, key, expected) => {
    expect(readEventSearch(query)[key as 'limit']).toBe(expected);
  });

  it('cuts text at 200 characters', () => {
    expect(readEventSearch({ q: 'x'.repeat(300) }).q).toHaveLength(200);
  });
});

describe('eventsApiParams', () => {
  it('asks for one more than the page and only the fields that are set', () => {
    expect(eventsApiParams(readEventSearch({ q: 'jazz', offset: '20' }))).toEqual({ q: 'jazz', limit: 21, offset: 20 });
  });

  it('includes the whole "to" day by asking up to the next day, across month and year ends', () => {
    expect(eventsApiParams(readEventSearch({ from: '2027-02-28', to: '2027-02-28' }))).toMatchObject({ from: '2027-02-28', to: '2027-03-01' });
    expect(eventsApiParams(readEventSearch({ to: '2027-12-31' })).to).toBe('2028-01-01');
  });

  it('passes category and city', () => {
    expect(eventsApiParams(readEventSearch({ category: 'sports', city: 'Lyon' }))).toMatchObject({ category: 'sports', city: 'Lyon' });
  });
});

describe('eventsPageHref', () => {
  it('is /events without a search', () => {
    expect(eventsPageHref(readEventSearch({}), 0)).toBe('/events');
  });

  it('carries the search and the offset, encoded', () => {
    const search = readEventSearch({ q: 'rock & roll', category: 'concert', city: 'New York', from: '2027-01-01', to: '2027-01-31', limit: '10' });
    expect(eventsPageHref(search, 10)).toBe('/events?q=rock+%26+roll&category=concert&city=New+York&from=2027-01-01&to=2027-01-31&limit=10&offset=10');
  });
});

describe('isFiltered', () => {
  it('is false for paging alone, true for any search field', () => {
    expect(isFiltered(readEventSearch({ offset: '20' }))).toBe(false);
    expect(isFiltered(readEventSearch({ city: 'Oslo' }))).toBe(true);
    expect(isFiltered(readEventSearch({ to: '2027-01-01' }))).toBe(true);
  });
});

describe('formatOffset', () => {
  it.each([
    [0, '+00:00'],
    [60, '+01:00'],
    [-300, '-05:00'],
    [330, '+05:30'],
    [-570, '-09:30'],
  ])('%i minutes east is %s', (minutes, text) => {
    expect(formatOffset(minutes)).toBe(text);
  });
});

describe('localInputToIso', () => {
  it('adds seconds and the offset of that local time', () => {
    expect(localInputToIso('2027-03-01T19:30', () => 60)).toBe('2027-03-01T19:30:00+01:00');
    expect(localInputToIso('2027-07-04T20:00', () => -240)).toBe('2027-07-04T20:00:00-04:00');
    expect(localInputToIso('2027-07-04T20:00:15', () => 0)).toBe('2027-07-04T20:00:15+00:00');
  });

  it('names the instant the person meant', () => {
    expect(new Date(localInputToIso('2027-03-01T19:30', () => 330)).toISOString()).toBe('2027-03-01T14:00:00.000Z');
  });

  it('uses the running clock by default', () => {
    const iso = localInputToIso('2027-03-01T19:30');
    const local = new Date(2027, 2, 1, 19, 30);
    expect(new Date(iso).getTime()).toBe(local.getTime());
  });

  it.each(['', 'tomorrow', '2027-03-01', ' 2027-3-1T19:30 '])('returns %p as typed (trimmed) for the API to reject', (raw) => {
    expect(localInputToIso(raw)).toBe(raw.trim());
  });
});

describe('isoToLocalInput', () => {
  it('shows the instant in the given zone, to the minute', () => {
    expect(isoToLocalInput('2027-03-01T18:30:00.000Z', () => 60)).toBe('2027-03-01T19:30');
    expect(isoToLocalInput('2027-03-01T02:00:00Z', () => -300)).toBe('2027-02-28T21:00');
  });

  it('round-trips with localInputToIso', () => {
    const offset = () => 120;
    expect(isoToLocalInput(localInputToIso('2027-10-30T23:45', offset), offset)).toBe('2027-10-30T23:45');
  });

  it('is empty for an invalid time', () => {
    expect(isoToLocalInput('not a time')).toBe('');
  });
});

describe('categoryLabel', () => {
  it('names known categories and shows unknown ones as they are', () => {
    expect(categoryLabel('theater')).toBe('Theater');
    expect(categoryLabel('opera')).toBe('opera');
  });
});
