import { ValidationError } from 'express-validator';
import { CustomError, SerializedError } from './custom-error';

export class RequestValidationError extends CustomError {
  statusCode = 400;

  constructor(public readonly errors: ValidationError[]) {
    super('Invalid request parameters');
  }

  serializeErrors(): SerializedError[] {
    const seen = new Set<string>();
    const out: SerializedError[] = [];
    // One entry per failing field, as the contract says.
    for (const err of this.errors) {
      const field = err.type === 'field' ? err.path : undefined;
      const key = field ?? err.msg;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(field ? { message: String(err.msg), field } : { message: String(err.msg) });
    }
    return out;
  }
}
