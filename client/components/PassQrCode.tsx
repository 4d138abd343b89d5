import QRCode from 'qrcode';
import { useMemo } from 'react';

/**
 * A pass's code as a QR code, drawn as one SVG path from the library's
 * module matrix: the same on the server and in the browser, crisp in print,
 * and no image URL for the content security policy to allow.
 */
export default function PassQrCode({ code, label }: { code: string; label: string }) {
  const { size, path } = useMemo(() => {
    const { modules } = QRCode.create(code, { errorCorrectionLevel: 'M' });
    let d = '';
    for (let row = 0; row < modules.size; row += 1) {
      for (let col = 0; col < modules.size; col += 1) if (modules.get(row, col)) d += `M${col + 4} ${row + 4}h1v1h-1z`;
    }
    return { size: modules.size + 8, path: d };
  }, [code]);
  return (
    <svg className="pass-qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
