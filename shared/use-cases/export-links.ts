/**
 * One-time download links of a disclosure's package, kept on the request
 * itself (by the token's SHA-256 digest), so any console process — any
 * Lambda instance — can spend a link another handed out, and a link is
 * spent once however many try at the same moment (the request's version
 * decides). Handing a link out and each use of one are audited in the
 * same write, naming the operator and the request, never the token.
 */
import type { AuditEventInput } from '../ports/index.ts';
import type { DownloadLink, SubjectRequest } from '../domain/requests.ts';
import { newSecret, sameSecret, secretDigest } from '../domain/secrets.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { RequestDeps } from './subject-requests.ts';

/** How long a download link may be used. */
export const EXPORT_LINK_TTL_MS = 5 * 60 * 1000;

/** Why a link could not be spent. */
export type LinkRefusal = 'unknown' | 'used' | 'expired' | 'other-operator';

/** The outcome of spending a link. */
export type SpentLink = { readonly ok: true; readonly request: SubjectRequest } | { readonly ok: false; readonly why: LinkRefusal };

function linkEvent(deps: RequestDeps, request: SubjectRequest, operator: string, step: string, outcome: 'ok' | 'refused', extra: Record<string, string> = {}): AuditEventInput {
  return {
    action: 'console-action',
    actor: `operator:${operator}`,
    policyVersion: deps.catalogue.version,
    outcome,
    details: { step, operator, requestId: request.requestId, ...extra },
  };
}

/** Writes `next` with its event; a concurrent change of the request is retried by the caller. */
async function write(deps: RequestDeps, request: SubjectRequest, next: SubjectRequest, event: AuditEventInput): Promise<void> {
  await deps.requests.update({ ...next, version: request.version + 1 }, request.version, [event]);
  await deps.audit.integrate();
}

/** Retries `attempt` when the request changed meanwhile (another process wrote it first). */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= 5) throw error;
    }
  }
}

/** Hands `operator` a new link to the package of `request` (the caller has checked there is one). */
export function issueExportLink(deps: RequestDeps, requestId: string, operator: string): Promise<{ token: string; expiresAt: string }> {
  return retrying(async () => {
    const request = await deps.requests.get(requestId);
    if (request === undefined) throw new NotFoundError(`request ${requestId} does not exist`);
    const now = deps.clock.now().getTime();
    const token = newSecret();
    const expiresAt = new Date(now + EXPORT_LINK_TTL_MS).toISOString();
    const live = (request.downloadLinks ?? []).filter((l) => Date.parse(l.expiresAt) >= now);
    const link: DownloadLink = { digest: secretDigest(token), operator, expiresAt };
    await write(deps, request, { ...request, downloadLinks: [...live, link] }, linkEvent(deps, request, operator, 'export-link-issued', 'ok'));
    return { token, expiresAt };
  });
}

/**
 * Spends a link of `requestId` as `operator`: it works no more afterwards,
 * whatever the outcome (another operator's use spends it too). An unknown
 * token changes nothing and is audited only when the request exists.
 */
export function spendExportLink(deps: RequestDeps, requestId: string, token: string, operator: string): Promise<SpentLink> {
  return retrying(async (): Promise<SpentLink> => {
    const request = await deps.requests.get(requestId);
    if (request === undefined) return { ok: false, why: 'unknown' };
    const digest = secretDigest(token);
    const links = request.downloadLinks ?? [];
    const link = links.find((l) => sameSecret(l.digest, digest));
    const refuse = async (why: LinkRefusal, next = request): Promise<SpentLink> => {
      const event = linkEvent(deps, request, operator, 'export-download-refused', 'refused', { why });
      if (next === request) {
        await deps.audit.append([event]);
      } else {
        await write(deps, request, next, event);
      }
      return { ok: false, why };
    };
    if (link === undefined) return refuse('unknown');
    if (link.used === true) return refuse('used');
    const spent = { ...request, downloadLinks: links.map((l) => (l === link ? { ...l, used: true as const } : l)) };
    if (deps.clock.now().getTime() > Date.parse(link.expiresAt)) return refuse('expired', spent);
    if (link.operator !== operator) return refuse('other-operator', spent);
    await write(deps, request, spent, linkEvent(deps, request, operator, 'export-downloaded', 'ok'));
    return { ok: true, request: spent };
  });
}
