import type { Response } from 'express';

/** Answers `status` with one line of JSON, `{"error":"…"}`, which the board's UI shows as it is. */
export function sendRefusal(res: Response, status: number, error: string, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('application/json').send(`${JSON.stringify({ error })}\n`);
}
