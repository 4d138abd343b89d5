import Head from 'next/head';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { Pass } from '../api/types';
import FormField from '../components/FormField';
import { useRequest } from '../hooks/use-request';
import { cleanCode, seatLabel } from '../lib/passes';
import { withSession, type SessionProps } from '../lib/session';

export const getServerSideProps = withSession({ requireAuth: true });

type Verdict = { admitted: true; pass: Pass } | { admitted: false; reason: string };

/** The browser's barcode reader (Chromium on Android, macOS...), where it exists. */
interface BarcodeReader {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
type BarcodeReaderClass = new (options: { formats: string[] }) => BarcodeReader;
const barcodeReaderClass = (): BarcodeReaderClass | undefined =>
  (globalThis as unknown as { BarcodeDetector?: BarcodeReaderClass }).BarcodeDetector;

/** How long one verdict stays up before the camera reads the next code. */
const VERDICT_MS = 2500;

export default function GatePage(_props: SessionProps) {
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [cameraAvailable, setCameraAvailable] = useState(false);
  const { run, pending } = useRequest();

  // Known only in the browser, after hydration.
  useEffect(() => setCameraAvailable(!!barcodeReaderClass() && !!navigator.mediaDevices?.getUserMedia), []);

  const check = useCallback(
    async (text: string) => {
      const value = cleanCode(text);
      if (!value) return;
      const result = await run((client) => client.post<{ admitted: true; pass: Pass }>('/api/passes/scan', { code: value }));
      if (!result) return;
      setVerdict(result.ok ? result.data : { admitted: false, reason: result.errors[0]?.message ?? 'Something went wrong' });
    },
    [run],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void check(code).then(() => setCode(''));
  };

  return (
    <>
      <Head>
        <title>Gate · Ticketing</title>
      </Head>
      <h1>Gate</h1>
      <p className="muted">
        Scan each guest&apos;s pass: the first scan of a valid pass admits them; a code used before, sent to someone else or
        forged is refused. Only the event&apos;s organizer (or an admin) can admit.
      </p>
      <div className={`gate-verdict ${verdict ? (verdict.admitted ? 'gate-admitted' : 'gate-refused') : 'gate-waiting'}`} role="status" aria-live="assertive">
        {verdict === null && <p className="gate-word">Ready</p>}
        {verdict?.admitted && (
          <>
            <p className="gate-word">Admitted</p>
            <p className="gate-detail">
              {verdict.pass.title} · {seatLabel(verdict.pass.seat)}
            </p>
          </>
        )}
        {verdict && !verdict.admitted && (
          <>
            <p className="gate-word">Refused</p>
            <p className="gate-detail">{verdict.reason}</p>
          </>
        )}
      </div>
      {cameraAvailable && <CameraScanner onCode={check} paused={pending} />}
      <form className="card gate-form" onSubmit={submit} noValidate>
        <FormField
          name="code"
          label="Pass code"
          idPrefix="gate"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          hint={cameraAvailable ? 'Or type the code printed under the QR code.' : 'Type or paste the code (this browser cannot read QR codes with the camera).'}
        />
        <button type="submit" className="btn btn-primary" disabled={pending || !cleanCode(code)} aria-busy={pending || undefined}>
          Check the pass
        </button>
      </form>
    </>
  );
}

/** The camera, read by BarcodeDetector a few times a second; a code just read is not sent again while its verdict shows. */
function CameraScanner({ onCode, paused }: { onCode: (code: string) => Promise<void>; paused: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const [on, setOn] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const busy = useRef(false);
  busy.current = paused;

  useEffect(() => {
    if (!on) return undefined;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let last = { code: '', at: 0 };
    const Reader = barcodeReaderClass()!;
    const reader = new Reader({ formats: ['qr_code'] });
    const tick = async () => {
      if (stopped) return;
      try {
        if (video.current && !busy.current && video.current.readyState >= 2) {
          const [found] = await reader.detect(video.current);
          const now = Date.now();
          if (found && (found.rawValue !== last.code || now - last.at > VERDICT_MS)) {
            last = { code: found.rawValue, at: now };
            await onCode(found.rawValue);
          }
        }
      } catch {
        // A frame that could not be read: the next one may.
      }
      timer = setTimeout(() => void tick(), 250);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then((s) => {
        stream = s;
        if (stopped) return s.getTracks().forEach((t) => t.stop());
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play();
        }
        void tick();
      })
      .catch(() => {
        setProblem('The camera could not be opened: allow it in the browser, or type the code below.');
        setOn(false);
      });
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [on, onCode]);

  return (
    <section className="card gate-camera" aria-label="Camera">
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {on ? (
        <>
          <video ref={video} className="gate-video" muted playsInline aria-label="Camera view: hold the pass's QR code in front of it" />
          <button type="button" className="btn" onClick={() => setOn(false)}>
            Stop the camera
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-primary" onClick={() => setOn(true)}>
          Scan with the camera
        </button>
      )}
    </section>
  );
}
