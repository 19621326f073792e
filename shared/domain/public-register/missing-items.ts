/**
 * Completeness of the public register: every item APPI Art. 32 and the
 * Tochigi rules Art. 10-4 require.
 */
import type { Problem } from '../../errors.ts';
import type { PublicRegister } from './types.ts';

/**
 * Every required item (APPI Art. 32; Tochigi Art. 10-4) that is missing
 * or empty, with its path. An empty list means the register is complete.
 */
export function missingRegisterItems(register: PublicRegister): Problem[] {
  const problems: Problem[] = [];
  const need = (path: string, value: string | readonly string[]) => {
    const empty = typeof value === 'string' ? value.trim() === '' : value.length === 0 || value.some((v) => v.trim() === '');
    if (empty) {
      problems.push({ path, message: 'is required in the public register and is empty' });
    }
  };
  register.controllers.forEach((c, i) => {
    const p = `controllers[${i}] (${c.id})`;
    need(`${p}.name`, c.name);
    need(`${p}.address`, c.address);
    need(`${p}.representative`, c.representative);
    need(`${p}.purposes`, c.purposes);
    need(`${p}.procedure.where`, c.procedure.where);
    need(`${p}.procedure.identityVerification`, c.procedure.identityVerification);
    need(`${p}.procedure.agents`, c.procedure.agents);
    need(`${p}.procedure.fees`, c.procedure.fees);
    need(`${p}.securityMeasures`, c.securityMeasures);
    need(`${p}.complaintContact`, c.complaintContact);
    c.datasets.forEach((d, j) => {
      const q = `${p}.datasets[${j}] (${d.id})`;
      need(`${q}.items`, d.items);
      need(`${q}.retentionPeriod`, d.retentionPeriod);
      need(`${q}.retentionLegalRef`, d.retentionLegalRef);
    });
  });
  return problems;
}
