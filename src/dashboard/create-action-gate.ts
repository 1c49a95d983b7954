import { Router, type RequestHandler } from 'express';
import { BULL_BOARD_API_ROUTES, type BullBoardRoute } from './bull-board-routes.js';
import { sendRefusal } from './send-refusal.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const API_PATH = /^\/api(?:\/|$)/i;

const pass: RequestHandler = (_req, _res, next) => next('router');

function refuse(route: BullBoardRoute, allowActions: boolean): RequestHandler {
  const error =
    route.kind === 'job-action'
      ? `the dashboard is read-only: start it with --allow-actions to ${route.what}`
      : `the dashboard does not ${route.what}: it shows the queue${allowActions ? ' and can retry, promote or remove one job at a time' : ''}; use the cohort-reports commands instead`;
  return (_req, res) => sendRefusal(res, 403, error);
}

/**
 * The allow-list in front of Bull Board: its read routes always, the three single-job actions only
 * when `allowActions`, everything else refused with 403 whatever Bull Board itself would allow. The
 * routes are registered in Bull Board's own order with Express's own matcher (case-insensitive, a
 * trailing slash allowed, as Bull Board's router), so both pick the same route for any request. Outside
 * /api only GET and HEAD pass (the page, its client-side routes and static assets).
 *
 * @example app.use(createActionGate(false)); app.use('/', bullBoardRouter);
 */
export function createActionGate(allowActions: boolean): Router {
  const gate = Router();
  for (const route of BULL_BOARD_API_ROUTES) {
    const allowed = route.kind === 'read' || (route.kind === 'job-action' && allowActions);
    gate[route.method](route.path, allowed ? pass : refuse(route, allowActions));
  }
  gate.use((req, res, next) => {
    if (API_PATH.test(req.path)) {
      sendRefusal(res, 403, 'the dashboard does not offer this API route');
    } else if (SAFE_METHODS.has(req.method)) {
      next();
    } else {
      sendRefusal(res, 403, `the dashboard answers only GET and HEAD here (got ${req.method})`);
    }
  });
  return gate;
}
