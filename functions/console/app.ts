/**
 * The console's routes: the JSON API under /api/ and the pages, both over
 * {@link ConsoleActions}. Errors are mapped in one place: JSON
 * `{ error, message, problems }` for the API, an error page otherwise.
 * Nothing is logged but an unexpected error's name.
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConflictError, LifecycleError, NotFoundError, type Problem, RefusedError, ValidationError } from '#shared/errors.ts';
import type { ConsoleActions } from './actions.ts';
import { auditRoutes } from './audit-page.ts';
import { breachRoutes } from './breach.ts';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.ts';
import type { ConsoleAuth } from './auth.ts';
import { exportRoutes } from './exports.ts';
import { formBody, jsonBody, operatorOf, viewer } from './http.ts';
import { type ConsoleEnv, DOCUMENT_CSP, roleGuard, securityHeaders } from './guards.ts';
import { dashboardPage, errorPage, holdsPage, intakePage, registerPage, requestDetailPage, requestListPage } from './pages.ts';
import {
  auditLogSchema,
  decisionSchema,
  emptySchema,
  extendSchema,
  fileRequestSchema,
  holdAddSchema,
  holdRemoveSchema,
  parseInput,
  pauseSchema,
  requestIdSchema,
  verifySchema,
} from './schemas.ts';
import { sweepGlance, sweepGlanceSection, sweepRoutes } from './sweeps.ts';

/** What the app is built over. */
export interface ConsoleAppOptions {
  readonly actions: ConsoleActions;
  /** How callers sign in: locally a printed one-time token, on AWS the Cognito user pool. */
  readonly auth: ConsoleAuth;
  /** Diagnostics: only error names, never a body or a value. @default nothing */
  readonly log?: (line: string) => void;
}

const MAX_BODY = 256 * 1024;

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);
const requestIdOf = (c: Context) => parseInput(requestIdSchema, c.req.param('id'), 'the request id');

/** A request as the intake form posts it, in the API's shape. */
function intakeInput(f: Record<string, string>): unknown {
  const agentRef = nonEmpty(f.agentRef);
  const recordId = nonEmpty(f.recordId);
  return {
    type: f.type,
    ...(nonEmpty(f.subjectId) === undefined ? {} : { subjectId: f.subjectId }),
    requester: { kind: f.requesterKind ?? 'subject', ...(agentRef === undefined ? {} : { agentRef }) },
    verification: { method: f.method, evidenceRef: f.evidenceRef ?? '' },
    ...(recordId === undefined ? {} : { params: { recordId } }),
    ...(nonEmpty(f.controllerId) === undefined ? {} : { controllerId: f.controllerId }),
  };
}

const holdTarget = (f: Record<string, string>) => (f.targetKind === 'subject' ? { subjectId: f.targetId ?? '' } : { recordId: f.targetId ?? '' });

/** The HTTP status and body of an error: the one error map. */
export function errorResponse(error: Error): { status: ContentfulStatusCode; body: { error: string; message: string; problems: Problem[] } } {
  const body = (problems: readonly Problem[]) => ({ error: error.name, message: error.message, problems: [...problems] });
  if (error instanceof ValidationError) return { status: 400, body: body(error.problems) };
  if (error instanceof RefusedError) return { status: 400, body: body(error.reasons.map((r) => ({ path: '', message: r }))) };
  if (error instanceof NotFoundError) return { status: 404, body: body([]) };
  if (error instanceof ConflictError) return { status: 409, body: body([]) };
  if (error instanceof LifecycleError) return { status: 422, body: body([]) };
  return { status: 500, body: { error: 'InternalError', message: 'unexpected error (see the console\'s terminal for its kind)', problems: [] } };
}

/** Builds the console's Hono app. */
export function consoleApp(options: ConsoleAppOptions): Hono<ConsoleEnv> {
  const { actions } = options;
  const app = new Hono<ConsoleEnv>();
  app.use('*', securityHeaders);
  app.use('*', bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.json({ error: 'TooLarge', message: `bodies are limited to ${MAX_BODY} bytes`, problems: [] }, 413) }));
  for (const guard of options.auth.guards) app.use('*', guard);
  app.use('*', roleGuard);

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    const { status, body } = errorResponse(error);
    if (status === 500) options.log?.(`console: unexpected ${error.name} on ${c.req.method} ${c.req.routePath}`);
    if (c.req.path.startsWith('/api/')) return c.json(body, status);
    return c.html(errorPage(viewer(c as Context<ConsoleEnv>), body.message, body.problems), status);
  });

  app.get('/static/console.js', (c) => c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/static/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));

  // The API.
  options.auth.routes(app, { actions, viewer });
  app.get('/api/session', (c) => {
    const s = c.get('session');
    return c.json({ operator: s?.operator, csrfToken: s?.csrf });
  });
  app.get('/api/requests', async (c) => c.json(await actions.listRequests()));
  app.post('/api/requests', async (c) => {
    const input = parseInput(fileRequestSchema, await jsonBody(c), 'the request');
    return c.json(await actions.fileRequest(operatorOf(c), input), 201);
  });
  app.get('/api/requests/:id', async (c) => c.json(await actions.showRequest(requestIdOf(c))));
  app.get('/api/requests/:id/preview', async (c) => {
    const shown = await actions.showRequest(requestIdOf(c));
    if (shown.preview === undefined) throw new NotFoundError(`request ${shown.requestId} is not a pending erasure: it has no preview`);
    return c.json(shown.preview);
  });
  app.get('/api/requests/:id/notice', async (c) => {
    const html = await actions.notice(requestIdOf(c), c.req.query('occasion') === 'extension' ? 'extension' : 'decision');
    return c.html(html, 200, { 'content-security-policy': DOCUMENT_CSP });
  });
  for (const decision of ['approve', 'reject', 'withdraw'] as const) {
    app.post(`/api/requests/:id/${decision}`, async (c) => {
      const { reason } = parseInput(decisionSchema, await jsonBody(c), `the ${decision}`);
      return c.json(await actions.decide(operatorOf(c), requestIdOf(c), decision, reason));
    });
  }
  app.post('/api/requests/:id/extend', async (c) => {
    const input = parseInput(extendSchema, await jsonBody(c), 'the extension');
    return c.json(await actions.extend(operatorOf(c), requestIdOf(c), input.days, input.reason));
  });
  app.post('/api/requests/:id/pause', async (c) => {
    const input = parseInput(pauseSchema, await jsonBody(c), 'the pause');
    return c.json(await actions.pause(operatorOf(c), requestIdOf(c), input.reason));
  });
  app.post('/api/requests/:id/resume', async (c) => {
    parseInput(emptySchema, await jsonBody(c), 'the resumption');
    return c.json(await actions.resume(operatorOf(c), requestIdOf(c)));
  });
  app.post('/api/holds/add', async (c) => {
    const input = parseInput(holdAddSchema, await jsonBody(c), 'the hold');
    return c.json(await actions.addHold(operatorOf(c), input.target, input.reason), 201);
  });
  app.post('/api/holds/remove', async (c) => {
    const input = parseInput(holdRemoveSchema, await jsonBody(c), 'the hold');
    return c.json(await actions.removeHold(operatorOf(c), input.target, input.holdId));
  });
  app.post('/api/audit/verify', async (c) => {
    const input = parseInput(verifySchema, await jsonBody(c), 'the verification');
    return c.json(await actions.verify(input.full === true));
  });
  app.post('/api/audit/log', async (c) => c.json(await actions.auditLog(operatorOf(c), parseInput(auditLogSchema, await jsonBody(c), 'the audit log query'))));
  app.get('/api/register', async (c) => {
    const format = c.req.query('format') ?? 'md';
    if (format !== 'md' && format !== 'html' && format !== 'csv') {
      throw new ValidationError('unknown register format', [{ path: 'format', message: 'must be md, html or csv' }]);
    }
    const { text, missing } = await actions.register(format);
    return c.json({ format, text, missing });
  });
  sweepRoutes(app, actions);
  auditRoutes(app, actions);
  breachRoutes(app, actions);
  exportRoutes(app, actions);
  app.all('/api/*', (c) => c.json({ error: 'NotFound', message: `no API ${c.req.method} ${c.req.path}`, problems: [] }, 404));

  // The pages.
  app.get('/', async (c) =>
    c.html(dashboardPage(viewer(c), await actions.listRequests(), await actions.verify(false), actions.catalogue, actions.now(), sweepGlanceSection(viewer(c), await sweepGlance(actions.runtime)))),
  );
  app.get('/requests', async (c) => c.html(requestListPage(viewer(c), await actions.listRequests(), actions.catalogue, actions.now())));
  app.get('/requests/new', (c) => c.html(intakePage(viewer(c), actions.catalogue)));
  app.post('/requests/new', async (c) => {
    const input = parseInput(fileRequestSchema, intakeInput(await formBody(c)), 'the request');
    const filed = await actions.fileRequest(operatorOf(c), input);
    return c.redirect(`/requests/${encodeURIComponent(filed.requestId)}`, 303);
  });
  app.get('/requests/:id', async (c) => c.html(requestDetailPage(viewer(c), await actions.showRequest(requestIdOf(c)), actions.catalogue)));
  app.get('/requests/:id/notice', async (c) =>
    c.html(await actions.notice(requestIdOf(c), c.req.query('occasion') === 'extension' ? 'extension' : 'decision'), 200, { 'content-security-policy': DOCUMENT_CSP }),
  );
  const back = (c: Context, id: string) => c.redirect(`/requests/${encodeURIComponent(id)}`, 303);
  for (const decision of ['approve', 'reject', 'withdraw'] as const) {
    app.post(`/requests/:id/${decision}`, async (c) => {
      const id = requestIdOf(c);
      const { reason } = parseInput(decisionSchema, { reason: nonEmpty((await formBody(c)).reason) }, `the ${decision}`);
      await actions.decide(operatorOf(c), id, decision, reason);
      return back(c, id);
    });
  }
  app.post('/requests/:id/extend', async (c) => {
    const id = requestIdOf(c);
    const f = await formBody(c);
    const input = parseInput(extendSchema, { days: /^\d{1,3}$/.test(f.days ?? '') ? Number(f.days) : f.days, reason: f.reason ?? '' }, 'the extension');
    await actions.extend(operatorOf(c), id, input.days, input.reason);
    return back(c, id);
  });
  app.post('/requests/:id/pause', async (c) => {
    const id = requestIdOf(c);
    const input = parseInput(pauseSchema, { reason: (await formBody(c)).reason ?? '' }, 'the pause');
    await actions.pause(operatorOf(c), id, input.reason);
    return back(c, id);
  });
  app.post('/requests/:id/resume', async (c) => {
    const id = requestIdOf(c);
    await actions.resume(operatorOf(c), id);
    return back(c, id);
  });
  app.get('/holds', (c) => c.html(holdsPage(viewer(c))));
  app.post('/holds/add', async (c) => {
    const f = await formBody(c);
    const input = parseInput(holdAddSchema, { target: holdTarget(f), reason: f.reason ?? '' }, 'the hold');
    const { hold, recordIds } = await actions.addHold(operatorOf(c), input.target, input.reason);
    return c.html(holdsPage(viewer(c), `${hold.id}: ${recordIds.join(', ')}`));
  });
  app.post('/holds/remove', async (c) => {
    const f = await formBody(c);
    const input = parseInput(holdRemoveSchema, { target: holdTarget(f), ...(nonEmpty(f.holdId) === undefined ? {} : { holdId: f.holdId }) }, 'the hold');
    const { removed, recordIds } = await actions.removeHold(operatorOf(c), input.target, input.holdId);
    return c.html(holdsPage(viewer(c), `${removed}: ${recordIds.join(', ')}`));
  });
  app.get('/register', async (c) => {
    const { text, missing } = await actions.register('md');
    return c.html(registerPage(viewer(c), text, missing));
  });
  app.get('/register/document', async (c) => c.html((await actions.register('html')).text, 200, { 'content-security-policy': DOCUMENT_CSP }));
  app.notFound((c) => (c.req.path.startsWith('/api/') ? c.json({ error: 'NotFound', message: 'no such API', problems: [] }, 404) : c.html(errorPage(viewer(c), 'not found', []), 404)));
  return app;
}
