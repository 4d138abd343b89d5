import { currentRequestId, logger } from '../logger';

/** One audit event as logged: its fields, and the request it was logged under. */
export interface AuditRecord {
  fields: Record<string, unknown>;
  requestId?: string;
}

/**
 * Records the audit events (common's audit(): an info line with an `audit`
 * field) logged until restore(); other info lines are swallowed meanwhile.
 */
export function recordAuditEvents() {
  const records: AuditRecord[] = [];
  const spy = jest.spyOn(logger, 'info').mockImplementation(((fields: unknown) => {
    if (fields && typeof fields === 'object' && 'audit' in fields) records.push({ fields: fields as Record<string, unknown>, requestId: currentRequestId() });
  }) as never);
  return {
    records,
    /** The events' fields, in order. */
    events: () => records.map((r) => r.fields),
    restore: () => spy.mockRestore(),
  };
}
