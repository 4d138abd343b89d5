// Passes without React: how a seat and a status read, and what a scanned code is.
import type { Pass, PassStatus } from '../api/types';

/** "Section A · Row 12 · Seat 2" (section and row only when the listing named them). */
export function seatLabel(seat: Pass['seat']): string {
  return [seat.section ? `Section ${seat.section}` : '', seat.row ? `Row ${seat.row}` : '', `Seat ${seat.number}`].filter(Boolean).join(' · ');
}

const STATUS_MEANINGS: Record<string, string> = {
  valid: 'Valid: show this code at the gate',
  used: 'Used: admitted at the gate',
  void: 'Void: sent to someone else, refunded or its event cancelled',
};

export function passStatusMeaning(status: PassStatus): string {
  return Object.hasOwn(STATUS_MEANINGS, status) ? STATUS_MEANINGS[status] : `This pass is ${status}`;
}

/** What a scanner or a person typed, as the API wants it: trimmed, nothing else changed. */
export function cleanCode(text: string): string {
  return text.trim();
}
