import { FeeSettings } from '@ticketing/common';
import { Request } from 'express';

/** The fee settings the app was built with (app.ts puts them in `app.locals`). */
export const feesOf = (req: Request): FeeSettings => (req.app.locals as { fees: FeeSettings }).fees;
