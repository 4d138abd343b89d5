import { useState, type FormEvent } from 'react';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { splitErrors } from '../api/errors';
import type { Ticket } from '../api/types';
import { useRequest } from '../hooks/use-request';
import { parsePriceInput } from '../lib/format';
import ErrorAlert from './ErrorAlert';
import FormField from './FormField';

const FIELDS = ['title', 'price'] as const;

export interface TicketInput {
  title: string;
  price: number | string;
}

interface Props {
  idPrefix: string;
  submitLabel: string;
  initial?: { title: string; price: number };
  send: (client: AxiosInstance, input: TicketInput) => Promise<AxiosResponse<Ticket>>;
  onSaved: (ticket: Ticket) => unknown;
}

/** Title + price, for listing a ticket (POST) and for its owner's edits (PUT). */
export default function TicketForm({ idPrefix, submitLabel, initial, send, onSaved }: Props) {
  const [title, setTitle] = useState(initial?.title ?? '');
  const [price, setPrice] = useState(initial ? String(initial.price) : '');
  const { run, pending, errors } = useRequest();

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run((client) => send(client, { title: title.trim(), price: parsePriceInput(price) }), onSaved);
  };

  const { byField, general } = splitErrors(errors, FIELDS);
  return (
    <form onSubmit={onSubmit} noValidate>
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
      />
      <ErrorAlert errors={general} />
      <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending || undefined}>
        {submitLabel}
      </button>
    </form>
  );
}
