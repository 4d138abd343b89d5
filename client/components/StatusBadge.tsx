/** The words an order status is shown as where the bare word would not say enough. */
const STATUS_WORDS: Record<string, string> = { refunded: 'Cancelled — refunded' };

/** A ticket, order or payout status, shown as its word (available, reserved, sold, created, cancelled, complete, …). */
export default function StatusBadge({ status }: { status: string }) {
  const slug = status.replace(/[^a-z0-9-]/gi, '-').toLowerCase();
  return <span className={`status status-${slug}`}>{STATUS_WORDS[status] ?? status}</span>;
}
