/**
 * Renders the public register (APPI Art. 32) from the catalogue in force
 * and the live record count of each dataset (dataset index: the cost grows
 * with the number of datasets, never with a scan of the records).
 */
import { buildRegister } from '../domain/public-register/build.ts';
import { missingRegisterItems } from '../domain/public-register/missing-items.ts';
import { renderRegister as render } from '../domain/public-register/render.ts';
import type {
  PublicRegister,
  RegisterFormat,
} from '../domain/public-register/types.ts';
import type { Problem } from '../errors.ts';
import type { LifecycleDeps } from './deps.ts';

/** Input of {@link renderPublicRegister}. */
export interface RenderRegisterInput {
  /** Output format. */
  readonly format: RegisterFormat;
}

/** The rendered register. */
export interface RenderRegisterResult {
  /** The document. */
  readonly text: string;
  /** The register as data. */
  readonly register: PublicRegister;
  /** Required items that are empty in the catalogue. */
  readonly missing: readonly Problem[];
}

/**
 * Counts held records per dataset and renders the register.
 * @example
 * const { text } = await renderPublicRegister(deps, { format: 'html' });
 */
export async function renderPublicRegister(
  deps: Pick<LifecycleDeps, 'records' | 'catalogue' | 'clock'>,
  input: RenderRegisterInput,
): Promise<RenderRegisterResult> {
  const counts = Object.fromEntries(
    await Promise.all(
      deps.catalogue.datasets.map(
        async (d) => [d.id, await deps.records.countByDataset(d.id)] as const,
      ),
    ),
  );
  const register = buildRegister(deps.catalogue, counts, deps.clock.now());
  return {
    text: render(register, input.format),
    register,
    missing: missingRegisterItems(register),
  };
}
