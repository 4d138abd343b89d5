import { useEffect, useState, type FormEvent } from 'react';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { buildClient } from '../api/build-client';
import { splitErrors } from '../api/errors';
import type { LiveEvent, Ticket } from '../api/types';
import { useRequest } from '../hooks/use-request';
import { formatPrice, parsePriceInput } from '../lib/format';
import {
  addDollars,
  buyerFee,
  listingOf,
  MAX_SEATS_PER_LISTING,
  SPLIT_RULES,
  type FeeSettings,
  type SplitRule,
} from '../lib/marketplace';
import ErrorAlert from './ErrorAlert';
import FormField from './FormField';
import SelectField from './SelectField';

const FIELDS = ['eventId', 'title', 'quantity', 'section', 'row', 'split', 'price'] as const;

export interface TicketInput {
  title: string;
  price: number | string;
  quantity: number;
  split: SplitRule;
  section?: string;
  row?: string;
  eventId?: string;
}

interface Props {
  idPrefix: string;
  submitLabel: string;
  /** The listing being edited (its owner's edit). */
  initial?: Ticket;
  /** Upcoming events to choose from; undefined: read from the API in the browser (the owner's edit form). */
  events?: LiveEvent[];
  /** The event chosen at first (the event page's "Sell tickets for this event", or the listing's own event). */
  initialEvent?: LiveEvent | null;
  /** The fee rule of the preview (FEE_PERCENT, FEE_FIXED). */
  fees: FeeSettings;
  send: (client: AxiosInstance, input: TicketInput) => Promise<AxiosResponse<Ticket>>;
  onSaved: (ticket: Ticket) => unknown;
}

const QUANTITY_OPTIONS = Array.from({ length: MAX_SEATS_PER_LISTING }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }));

const utcDay = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

/**
 * A listing: its event (optional), title, how many seats and where, how
 * buyers may split them, and the price per ticket, with what a buyer will
 * pay for each (the fee added). Listing (POST) and the owner's edits (PUT).
 */
export default function TicketForm({ idPrefix, submitLabel, initial, events: givenEvents, initialEvent, fees, send, onSaved }: Props) {
  const start = initial ? listingOf(initial) : null;
  const [eventId, setEventId] = useState(initial?.eventId ?? initialEvent?.id ?? '');
  const [title, setTitle] = useState(initial?.title ?? '');
  const [quantity, setQuantity] = useState(String(start?.quantity ?? 1));
  const [section, setSection] = useState(start?.section ?? '');
  const [row, setRow] = useState(start?.row ?? '');
  const [split, setSplit] = useState<SplitRule>(start?.split ?? 'any');
  const [price, setPrice] = useState(initial ? String(initial.price) : '');
  const { run, pending, errors } = useRequest();
  const [loadedEvents, setLoadedEvents] = useState<LiveEvent[] | null>(null);
  const [eventsError, setEventsError] = useState<string | null>(null);
  // Dates in the seller's own zone once in the browser; the server (which cannot know it) prints the UTC day.
  const [formatDay, setFormatDay] = useState(() => (iso: string) => utcDay.format(new Date(iso)));

  useEffect(() => {
    const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
    setFormatDay(() => (iso: string) => local.format(new Date(iso)));
  }, []);

  useEffect(() => {
    if (givenEvents) return;
    let live = true;
    buildClient()
      .get<LiveEvent[]>('/api/events', { params: { limit: 100 } })
      .then((res) => live && setLoadedEvents(Array.isArray(res.data) ? res.data : []))
      .catch(() => live && setEventsError('The list of events could not be loaded; the listing keeps its event.'));
    return () => {
      live = false;
    };
  }, [givenEvents]);

  const events = givenEvents ?? loadedEvents ?? [];
  // The chosen event stays offered even when it is no longer upcoming (a listing's own event that has started).
  const choices = initialEvent && !events.some((e) => e.id === initialEvent.id) ? [initialEvent, ...events] : events;
  const eventOptions = [
    { value: '', label: 'No particular event' },
    ...choices.map((e) => ({ value: e.id, label: `${e.name} · ${e.venue}, ${e.city} · ${formatDay(e.startsAt)}` })),
  ];
  if (eventId && !choices.some((e) => e.id === eventId)) eventOptions.push({ value: eventId, label: 'The listing’s event' });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input: TicketInput = { title: title.trim(), price: parsePriceInput(price), quantity: Number(quantity), split };
    if (section.trim()) input.section = section.trim();
    if (row.trim()) input.row = row.trim();
    if (eventId) input.eventId = eventId;
    void run((client) => send(client, input), onSaved);
  };

  const parsed = parsePriceInput(price);
  const previewPrice = typeof parsed === 'number' && parsed > 0 && Math.round(parsed * 100) === parsed * 100 ? parsed : null;
  const fee = previewPrice === null ? null : buyerFee(previewPrice, fees);

  const { byField, general } = splitErrors(errors, FIELDS);
  const splitId = `${idPrefix}-split`;
  const splitError = byField.split;
  return (
    <form onSubmit={onSubmit} noValidate>
      <SelectField
        idPrefix={idPrefix}
        name="eventId"
        label="Event (optional)"
        options={eventOptions}
        value={eventId}
        onChange={(e) => setEventId(e.target.value)}
        errors={byField.eventId}
      />
      {eventsError && <p className="field-hint">{eventsError}</p>}
      <FormField
        idPrefix={idPrefix}
        name="title"
        label="Title"
        type="text"
        autoComplete="off"
        maxLength={200}
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        errors={byField.title}
      />
      <SelectField
        idPrefix={idPrefix}
        name="quantity"
        label="Number of tickets"
        options={QUANTITY_OPTIONS}
        value={quantity}
        onChange={(e) => setQuantity(e.target.value)}
        errors={byField.quantity}
      />
      <div className="field-pair">
        <FormField
          idPrefix={idPrefix}
          name="section"
          label="Section (optional)"
          type="text"
          autoComplete="off"
          maxLength={20}
          value={section}
          onChange={(e) => setSection(e.target.value)}
          errors={byField.section}
        />
        <FormField
          idPrefix={idPrefix}
          name="row"
          label="Row (optional)"
          type="text"
          autoComplete="off"
          maxLength={20}
          value={row}
          onChange={(e) => setRow(e.target.value)}
          errors={byField.row}
        />
      </div>
      <fieldset
        className={`field choices${splitError ? ' field-invalid' : ''}`}
        aria-describedby={splitError ? `${splitId}-error` : undefined}
      >
        <legend className="label">How may buyers split them?</legend>
        {SPLIT_RULES.map((rule) => (
          <div key={rule.value} className="choice">
            <input
              type="radio"
              id={`${splitId}-${rule.value}`}
              name="split"
              value={rule.value}
              checked={split === rule.value}
              onChange={() => setSplit(rule.value)}
              aria-describedby={`${splitId}-${rule.value}-explained`}
            />
            <div>
              <label htmlFor={`${splitId}-${rule.value}`}>{rule.label}</label>
              <p id={`${splitId}-${rule.value}-explained`} className="choice-hint">
                {rule.explanation}
              </p>
            </div>
          </div>
        ))}
        {splitError && (
          <p id={`${splitId}-error`} className="field-error" data-field="split">
            {splitError.join(' ')}
          </p>
        )}
      </fieldset>
      <FormField
        idPrefix={idPrefix}
        name="price"
        label="Price (USD)"
        type="text"
        inputMode="decimal"
        autoComplete="off"
        placeholder="0.00"
        value={price}
        onChange={(e) => setPrice(e.target.value)}
        errors={byField.price}
        hint="Per ticket, what you receive. Buyers also pay a service fee."
      />
      <p className="fee-preview" aria-live="polite">
        {fee === null || previewPrice === null ? (
          'Enter a price to see what buyers pay.'
        ) : (
          <>
            Buyers pay <strong className="price">{formatPrice(addDollars(previewPrice, fee))}</strong> each, incl. fees (
            {formatPrice(previewPrice)} + {formatPrice(fee)} fee).
          </>
        )}
      </p>
      <ErrorAlert errors={general} />
      <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending || undefined}>
        {submitLabel}
      </button>
    </form>
  );
}
