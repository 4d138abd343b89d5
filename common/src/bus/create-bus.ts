import { BusConfig } from '../config';
import { EventBus } from './event-bus';
import { EventInstrumentation } from './instrumentation';
import { JetStreamBus } from './jetstream-bus';
import { StanBus } from './stan-bus';

/**
 * Connects to the transport EVENT_BUS names; services only ever see
 * EventBus. `instrumentation` watches it (a service passes telemetry's
 * eventTelemetry).
 */
export async function connectBus(config: BusConfig, instrumentation: EventInstrumentation): Promise<EventBus> {
  const tuning = {
    ackWaitMs: config.EVENT_ACK_WAIT_MS,
    maxDeliver: config.EVENT_MAX_DELIVER,
    maxInFlight: config.EVENT_MAX_IN_FLIGHT,
    instrumentation,
  };
  if (config.EVENT_BUS === 'jetstream') {
    const bus = new JetStreamBus({ url: config.NATS_URL, clientId: config.NATS_CLIENT_ID, ...tuning });
    await bus.connect();
    return bus;
  }
  const bus = new StanBus({
    url: config.NATS_URL,
    clusterId: config.NATS_CLUSTER_ID,
    clientId: config.NATS_CLIENT_ID,
    ...tuning,
  });
  await bus.connect();
  return bus;
}
