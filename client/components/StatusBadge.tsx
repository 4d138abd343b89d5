/** A ticket or order status, shown as its word (available, reserved, sold, created, cancelled, complete). */
export default function StatusBadge({ status }: { status: string }) {
  const slug = status.replace(/[^a-z0-9-]/gi, '-').toLowerCase();
  return <span className={`status status-${slug}`}>{status}</span>;
}
