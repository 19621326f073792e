/**
 * Downloading a completed disclosure's package from the console: the
 * request page POSTs (CSRF) for a one-time link `/exports/<token>`, valid
 * five minutes for the operator who asked, used once. The token is 32
 * random bytes kept only by its SHA-256 digest, and is never audited;
 * issuing the link and every download (or refused one) are audited naming
 * the operator and the request id, never the subject. A package of
 * several files is sent as one zip (fflate), with `Content-Disposition:
 * attachment` and `Cache-Control: no-store`.
 */
import { randomBytes } from 'node:crypto';
import { zipSync } from 'fflate';
import type { Context, Hono } from 'hono';
import { escapeHtml as h } from '#shared/domain/html.ts';
import { formatJst } from '#shared/domain/retention.ts';
import { assertIsError, LifecycleError, NotFoundError } from '#shared/errors.ts';
import type { PackageFile } from '#shared/ports/index.ts';
import type { ConsoleActions } from './actions.ts';
import { operatorOf, viewer } from './http.ts';
import type { ConsoleEnv } from './guards.ts';
import { label, type LabelKey } from './labels.ts';
import { layout, type PageViewer } from './pages.ts';
import { parseInput, requestIdSchema } from './schemas.ts';
import { digest } from './sessions.ts';

/** How long a download link may be used. */
export const EXPORT_LINK_TTL_MS = 5 * 60 * 1000;

/** What a spent link was issued for. */
interface ExportLink {
  readonly requestId: string;
  readonly operator: string;
  readonly expires: number;
  /** Spent already (kept until it expires, so a second use is named as one). */
  used?: boolean;
}

/** The outcome of spending a token: its link, or why there is none. */
export type SpentLink = { readonly ok: true; readonly link: ExportLink } | { readonly ok: false; readonly why: 'unknown' | 'used' | 'expired'; readonly link?: ExportLink };

/** One-time download links of one console, held in memory by token digest. */
export class ExportLinks {
  private readonly links = new Map<string, ExportLink>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new link token for `requestId`, usable once by `operator` for {@link EXPORT_LINK_TTL_MS}. */
  issue(requestId: string, operator: string): { token: string; expiresAt: string } {
    const now = this.now();
    for (const [key, link] of this.links) if (link.expires < now) this.links.delete(key);
    const token = randomBytes(32).toString('base64url');
    const expires = now + EXPORT_LINK_TTL_MS;
    this.links.set(digest(token), { requestId, operator, expires });
    return { token, expiresAt: new Date(expires).toISOString() };
  }

  /** Spends a token: it works no more afterwards, whatever the outcome. */
  spend(token: string): SpentLink {
    const link = this.links.get(digest(token));
    if (link === undefined) return { ok: false, why: 'unknown' };
    if (link.used === true) return { ok: false, why: 'used', link };
    link.used = true;
    return this.now() > link.expires ? { ok: false, why: 'expired', link } : { ok: true, link };
  }
}

/** The step of an audited download, as `details.step` of a `console-action` event. */
type DownloadStep = 'export-link-issued' | 'export-downloaded' | 'export-download-refused';

function auditDownload(actions: ConsoleActions, operator: string, step: DownloadStep, requestId?: string, files?: number): Promise<void> {
  return actions.auditAction(
    operator,
    step,
    { ...(requestId === undefined ? {} : { requestId }), ...(files === undefined ? {} : { files }) },
    { outcome: step === 'export-download-refused' ? 'refused' : 'ok' },
  );
}

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

const GONE = { unknown: 'linkUnknown', used: 'linkUsed', expired: 'linkExpired' } as const satisfies Record<string, LabelKey>;

/** Why a download is refused, in words, with the way back to the request when it is known. */
function refusedPage(v: PageViewer, why: LabelKey, requestId?: string): string {
  const back = requestId === undefined ? '/' : `/requests/${encodeURIComponent(requestId)}`;
  return layout(
    v,
    label('error', v.lang),
    `<div class="error" role="alert"><p>${h(label(why, v.lang))}</p></div><p><a href="${back}">${h(requestId === undefined ? label('dashboard', v.lang) : `${label('requestId', v.lang)}: ${requestId}`)}</a></p>`,
  );
}

/** Registers the link issuing (page and API) and `/exports/:token`. */
export function exportRoutes(app: Hono<ConsoleEnv>, actions: ConsoleActions, links = new ExportLinks()): void {
  const issue = async (c: Context<ConsoleEnv>) => {
    const requestId = parseInput(requestIdSchema, c.req.param('id'), 'the request id');
    const operator = operatorOf(c);
    await packageOf(actions, requestId);
    const { token, expiresAt } = links.issue(requestId, operator);
    await auditDownload(actions, operator, 'export-link-issued', requestId);
    return { requestId, url: `/exports/${token}`, expiresAt };
  };
  app.post('/api/requests/:id/export-link', async (c) => c.json(await issue(c), 201));
  app.post('/requests/:id/export-link', async (c) => {
    const link = await issue(c);
    return c.html(linkPage(viewer(c), link.requestId, link.url, link.expiresAt), 201);
  });
  app.get('/exports/:token', async (c) => {
    const operator = operatorOf(c);
    const spent = links.spend(c.req.param('token'));
    const refuse = async (status: 403 | 410, why: LabelKey, requestId?: string) => {
      await auditDownload(actions, operator, 'export-download-refused', requestId);
      return c.html(refusedPage(viewer(c), why, requestId), status);
    };
    if (!spent.ok) return refuse(410, GONE[spent.why], spent.link?.requestId);
    const { requestId } = spent.link;
    if (spent.link.operator !== operator) return refuse(403, 'linkOtherOperator', requestId);
    const files = await packageOf(actions, requestId).catch((error: unknown) => {
      assertIsError(error);
      if (error instanceof LifecycleError) return undefined;
      throw error;
    });
    if (files === undefined) return refuse(410, 'packageGone', requestId);
    const file = attachment(requestId, files);
    await auditDownload(actions, operator, 'export-downloaded', requestId, files.length);
    return c.body(new Uint8Array(file.bytes), 200, {
      'content-type': file.type,
      'content-disposition': `attachment; filename="${file.name}"`,
      'cache-control': 'no-store',
    });
  });
}
