import { Event, EventData, Subjects } from '../events';
import { EventBus } from './event-bus';
import { Listener, ListenerMessage } from './listener';

/** What a service does with one subject's data; the message is acked once it resolves. */
export type Handler<S extends Subjects> = (data: EventData<S>, msg: ListenerMessage) => Promise<void>;

/**
 * A service's listeners as one table, a row per subject it subscribes to
 * (checked against the event catalog by each service's catalog.test.ts).
 */
export type Handlers = { [S in Subjects]?: Handler<S> };

/**
 * One durable subscription of a handlers table's row: runs the row, then
 * acks; a throw redelivers after the ack wait, a NotYetError after a short
 * back-off, as for every Listener.
 */
export class HandlerListener<S extends Subjects> extends Listener<Event> {
  constructor(
    bus: EventBus,
    readonly subject: S,
    readonly queueGroupName: string,
    private readonly handler: Handler<S>,
  ) {
    super(bus);
  }

  async onMessage(data: Event['data'], msg: ListenerMessage): Promise<void> {
    await this.handler(data as EventData<S>, msg);
    msg.ack();
  }
}

/** A listener per row of the table, all in one queue group (the service's durable name). */
export function listenersFrom(bus: EventBus, queueGroup: string, handlers: Handlers): Listener<Event>[] {
  return (Object.keys(handlers) as Subjects[]).map((subject) => new HandlerListener(bus, subject, queueGroup, handlers[subject] as Handler<Subjects>));
}

/** Subscribes every listener, one after the other. */
export async function listenAll(listeners: Listener<Event>[]): Promise<void> {
  for (const listener of listeners) await listener.listen();
}
