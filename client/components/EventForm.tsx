import type { AxiosInstance, AxiosResponse } from 'axios';
import { useState, type FormEvent } from 'react';
import { splitErrors } from '../api/errors';
import type { LiveEvent } from '../api/types';
import { useRequest } from '../hooks/use-request';
import { categoryLabel, EVENT_CATEGORIES, isoToLocalInput, localInputToIso } from '../lib/events';
import ErrorAlert from './ErrorAlert';
import FormField from './FormField';
import SelectField from './SelectField';

const FIELDS = ['name', 'performer', 'venue', 'city', 'startsAt', 'category'] as const;

export interface EventInput {
  name: string;
  performer: string | null;
  venue: string;
  city: string;
  /** ISO 8601 with the browser's offset (or the text typed, for the API to reject) */
  startsAt: string;
  category: string;
}

interface Props {
  idPrefix: string;
  submitLabel: string;
  /** An existing event (the organizer's edit). Rendered in the browser only: its start time is shown in the viewer's zone. */
  initial?: LiveEvent;
  send: (client: AxiosInstance, input: EventInput) => Promise<AxiosResponse<LiveEvent>>;
  onSaved: (event: LiveEvent) => unknown;
}

const CATEGORY_OPTIONS = [
  { value: '', label: 'Choose a category' },
  ...EVENT_CATEGORIES.map((c) => ({ value: c, label: categoryLabel(c) })),
];

/** Name, performer, venue, city, start time and category: scheduling an event (POST) and the organizer's edits (PUT). */
export default function EventForm({ idPrefix, submitLabel, initial, send, onSaved }: Props) {
  const [name, setName] = useState(initial?.name ?? '');
  const [performer, setPerformer] = useState(initial?.performer ?? '');
  const [venue, setVenue] = useState(initial?.venue ?? '');
  const [city, setCity] = useState(initial?.city ?? '');
  const [startsAt, setStartsAt] = useState(initial ? isoToLocalInput(initial.startsAt) : '');
  const [category, setCategory] = useState(initial?.category ?? '');
  const { run, pending, errors } = useRequest();

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input: EventInput = {
      name: name.trim(),
      performer: performer.trim() || null,
      venue: venue.trim(),
      city: city.trim(),
      startsAt: localInputToIso(startsAt),
      category,
    };
    void run((client) => send(client, input), onSaved);
  };

  const { byField, general } = splitErrors(errors, FIELDS);
  const text = (field: (typeof FIELDS)[number], label: string, value: string, set: (v: string) => void, extra: { hint?: string; autoComplete?: string } = {}) => (
    <FormField
      idPrefix={idPrefix}
      name={field}
      label={label}
      type="text"
      autoComplete={extra.autoComplete ?? 'off'}
      maxLength={200}
      value={value}
      onChange={(e) => set(e.target.value)}
      errors={byField[field]}
      hint={extra.hint}
    />
  );
  return (
    <form onSubmit={onSubmit} noValidate>
      {text('name', 'Name', name, setName)}
      {text('performer', 'Performer (optional)', performer, setPerformer)}
      {text('venue', 'Venue', venue, setVenue)}
      {text('city', 'City', city, setCity, { autoComplete: 'address-level2' })}
      <FormField
        idPrefix={idPrefix}
        name="startsAt"
        label="Date and time"
        type="datetime-local"
        value={startsAt}
        onChange={(e) => setStartsAt(e.target.value)}
        errors={byField.startsAt}
        hint="In your own time zone"
      />
      <SelectField
        idPrefix={idPrefix}
        name="category"
        label="Category"
        options={CATEGORY_OPTIONS}
        value={category}
        onChange={(e) => setCategory(e.target.value)}
        errors={byField.category}
      />
      <ErrorAlert errors={general} />
      <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending || undefined}>
        {submitLabel}
      </button>
    </form>
  );
}
