/**
 * Downloading a completed disclosure's package from the console: the
 * request page POSTs (CSRF) for a one-time link `/exports/<requestId>/<token>`,
 * valid five minutes for the operator who asked, used once. The token is
 * 32 random bytes kept on the request only by its SHA-256 digest
 * (shared/use-cases/export-links.ts: any console process, any Lambda
 * instance, can spend it, once), and is never audited; issuing the link
 * and every download (or refused one) are audited naming the operator and
 * the request id, never the subject. A package of several files is sent as
 * one zip (fflate), with `Content-Disposition: attachment` and
 * `Cache-Control: no-store`.
 */
import { zipSync } from 'fflate';
import type { Context, Hono } from 'hono';
import { escapeHtml as h } from '#shared/domain/html.ts';
import { formatJst } from '#shared/domain/retention.ts';
import { assertIsError, LifecycleError, NotFoundError } from '#shared/errors.ts';
import { issueExportLink, type LinkRefusal, spendExportLink } from '#shared/use-cases/export-links.ts';
import type { PackageFile } from '#shared/ports/index.ts';
import type { ConsoleActions } from './actions.ts';
import { operatorOf, viewer } from './http.ts';
import type { ConsoleEnv } from './guards.ts';
import { label, type LabelKey } from './labels.ts';
import { layout, type PageViewer } from './pages.ts';
import { parseInput, requestIdSchema } from './schemas.ts';

/** The package of a completed disclosure, or a clear refusal (404: none to give; 422: not finished). */
async function packageOf(actions: ConsoleActions, requestId: string): Promise<PackageFile[]> {
  const request = await actions.runtime.requestDeps.requests.get(requestId);
  if (request === undefined) throw new NotFoundError(`request ${requestId} does not exist`);
  if (request.type !== 'export') throw new NotFoundError(`request ${requestId} is not a disclosure (開示): it has no package to download`);
  if (request.status !== 'completed' && request.status !== 'partially-completed') {
    throw new LifecycleError(`request ${requestId} is ${request.status}, not completed: its package is made once it is carried out`);
  }
  const store = actions.runtime.exports;
  if (store === undefined) throw new NotFoundError('this console reads no disclosure packages: fetch the package where the request was carried out');
  const files = await store.read(requestId);
  if (files.length === 0) throw new NotFoundError(`the package of request ${requestId} is no longer held (expired or removed)`);
  return files;
}

/** One file as it is, or several zipped under the request id. */
function attachment(requestId: string, files: readonly PackageFile[]): { name: string; type: string; bytes: Uint8Array } {
  const [only] = files;
  if (files.length === 1 && only !== undefined) {
    return { name: (only.name.split('/').pop() ?? 'file').replace(/[^A-Za-z0-9._-]/g, '_'), type: 'application/octet-stream', bytes: only.bytes };
  }
  return { name: `${requestId}.zip`, type: 'application/zip', bytes: zipSync(Object.fromEntries(files.map((f) => [f.name, f.bytes]))) };
}

/** The page with the fresh link. */
function linkPage(v: PageViewer, requestId: string, url: string, expiresAt: string): string {
  const base = `/requests/${encodeURIComponent(requestId)}`;
  return layout(
    v,
    label('download', v.lang),
    `<p>${h(label('requestId', v.lang))}: <a href="${base}">${h(requestId)}</a></p>
<p>${h(label('downloadLead', v.lang))}</p>
<p><a class="download" href="${h(url)}" download>${h(label('downloadLink', v.lang))}</a></p>
<p>${h(label('downloadExpires', v.lang))}: ${h(formatJst(expiresAt))}</p>`,
    base,
  );
}

const REFUSED = {
  unknown: [410, 'linkUnknown'],
  used: [410, 'linkUsed'],
  expired: [410, 'linkExpired'],
  'other-operator': [403, 'linkOtherOperator'],
} as const satisfies Record<LinkRefusal, readonly [410 | 403, LabelKey]>;

/** Why a download is refused, in words, with the way back to the request when it is known. */
function refusedPage(v: PageViewer, why: LabelKey, requestId?: string): string {
  const back = requestId === undefined ? '/' : `/requests/${encodeURIComponent(requestId)}`;
  return layout(
    v,
    label('error', v.lang),
    `<div class="error" role="alert"><p>${h(label(why, v.lang))}</p></div><p><a href="${back}">${h(requestId === undefined ? label('dashboard', v.lang) : `${label('requestId', v.lang)}: ${requestId}`)}</a></p>`,
  );
}

/** Registers the link issuing (page and API) and `/exports/:id/:token`. */
export function exportRoutes(app: Hono<ConsoleEnv>, actions: ConsoleActions): void {
  // Read at each call: an app may be built over actions whose backend comes later (tests of the guards).
  const deps = () => actions.runtime.requestDeps;
  const issue = async (c: Context<ConsoleEnv>) => {
    const requestId = parseInput(requestIdSchema, c.req.param('id'), 'the request id');
    await packageOf(actions, requestId);
    const { token, expiresAt } = await issueExportLink(deps(), requestId, operatorOf(c));
    return { requestId, url: `/exports/${encodeURIComponent(requestId)}/${token}`, expiresAt };
  };
  app.post('/api/requests/:id/export-link', async (c) => c.json(await issue(c), 201));
  app.post('/requests/:id/export-link', async (c) => {
    const link = await issue(c);
    return c.html(linkPage(viewer(c), link.requestId, link.url, link.expiresAt), 201);
  });
  app.get('/exports/:id/:token', async (c) => {
    const requestId = parseInput(requestIdSchema, c.req.param('id'), 'the request id');
    const files = await packageOf(actions, requestId).catch((error: unknown) => {
      assertIsError(error);
      if (error instanceof LifecycleError || error instanceof NotFoundError) return undefined;
      throw error;
    });
    const spent = await spendExportLink(deps(), requestId, c.req.param('token'), operatorOf(c));
    if (!spent.ok) {
      const [status, why] = REFUSED[spent.why];
      return c.html(refusedPage(viewer(c), why, spent.why === 'unknown' ? undefined : requestId), status);
    }
    if (files === undefined) return c.html(refusedPage(viewer(c), 'packageGone', requestId), 410);
    const file = attachment(requestId, files);
    return c.body(new Uint8Array(file.bytes), 200, {
      'content-type': file.type,
      'content-disposition': `attachment; filename="${file.name}"`,
      'cache-control': 'no-store',
    });
  });
}
