import { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler, Sampler, SamplingDecision, SamplingResult, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';

/** Requests that change nothing and stage no event. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Default share of reads traced: see ReadsSampledSampler. */
export const DEFAULT_READ_SAMPLE_RATIO = 0.1;

/**
 * Which traces are kept, for a trace that starts here (no caller's context):
 * every write, event and job (the flow the traces are for: each one stages or
 * handles events), and a share of reads (GET/HEAD/OPTIONS requests), chosen by
 * trace id. A read causes no event, is the commonest request (every page
 * render asks GET /api/users/currentuser), and its span costs a noticeable
 * share of that route's throughput; a tenth of them still shows their shape
 * and timings. Under ParentBased: a caller's sampled (or not) context
 * decides for the whole trace, as W3C trace context says.
 */
export class ReadsSampledSampler implements Sampler {
  private readonly reads: TraceIdRatioBasedSampler;

  constructor(private readonly readRatio: number) {
    this.reads = new TraceIdRatioBasedSampler(readRatio);
  }

  shouldSample(context: Context, traceId: string, _name: string, kind: SpanKind, attributes: Attributes, _links: Link[]): SamplingResult {
    const method = attributes['http.request.method'];
    if (kind === SpanKind.SERVER && typeof method === 'string' && READ_METHODS.has(method)) return this.reads.shouldSample(context, traceId);
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }

  toString(): string {
    return `ReadsSampledSampler{reads=${this.readRatio}}`;
  }
}

/**
 * TRACES_READ_SAMPLE_RATIO (0..1, default 0.1): the share of reads traced;
 * 1 traces every request. Throws on anything else (the service does not start
 * on a setting it cannot honour).
 */
export function readSampleRatioFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRACES_READ_SAMPLE_RATIO;
  if (raw === undefined || raw.trim() === '') return DEFAULT_READ_SAMPLE_RATIO;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`TRACES_READ_SAMPLE_RATIO must be a number from 0 to 1 (got ${JSON.stringify(raw)})`);
  return ratio;
}

/** Our sampler, unless the standard OTEL_TRACES_SAMPLER names one (the SDK then reads it itself). */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler | undefined {
  if (env.OTEL_TRACES_SAMPLER) return undefined;
  return new ParentBasedSampler({ root: new ReadsSampledSampler(readSampleRatioFromEnv(env)) });
}
