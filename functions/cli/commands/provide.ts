import { provide, recordReceipt } from '#shared/use-cases/provision-records.ts';
import { optionList, optionString, requiredOptions } from '../args.ts';
import type { CliCommand } from '../types.ts';

export const provideCommand: CliCommand = {
  path: ['provide'],
  options: {
    subject: { type: 'string', value: 'ID', description: 'whose data is provided' },
    to: { type: 'string', value: 'RECIPIENT', description: 'a recipient of the catalogue' },
    basis: { type: 'string', value: 'BASIS', description: 'consent, law, … (APPI Art. 27)' },
    'consent-ref': { type: 'string', value: 'REF', description: 'the consent that allows it' },
    record: { type: 'string', multiple: true, value: 'ID', description: 'only these records (repeatable)' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: ['wasure provide --subject S-TCG-0001 --to tax-office --basis law'],
  usage: 'provide --subject ID --to RECIPIENT --basis BASIS [--consent-ref REF] [--record ID …]   record a third-party provision',
  async run(ctx) {
    const { subject, to, basis } = requiredOptions(ctx.args, 'provide', { subject: '', to: 'a recipient of the catalogue', basis: 'the provision basis' });
    const runtime = await ctx.runtime();
    const consentRef = optionString(ctx.args, 'consent-ref');
    const recordIds = optionList(ctx.args, 'record');
    const result = await provide(runtime.requestDeps, {
      subjectId: subject,
      recipientId: to,
      basis,
      ...(consentRef === undefined ? {} : { consentRef }),
      ...(recordIds.length === 0 ? {} : { recordIds }),
      actor: `admin:${optionString(ctx.args, 'actor') ?? 'cli'}`,
    });
    ctx.out(
      ctx.json
        ? JSON.stringify(result, null, 2)
        : `provision to ${result.recipientId} recorded as ${result.provisionRecordId}: items ${result.items.join(', ')} from ${result.sourceRecordIds.join(', ')}`,
    );
    return 0;
  },
};

export const receiptCommand: CliCommand = {
  path: ['provide', 'receipt'],
  options: {
    subject: { type: 'string', value: 'ID', description: 'whose data was received' },
    from: { type: 'string', value: 'NAME', description: 'the provider' },
    address: { type: 'string', value: 'ADDR', description: 'the provider\'s address' },
    representative: { type: 'string', value: 'NAME', description: 'the provider\'s representative' },
    acquisition: { type: 'string', value: 'HOW', description: 'how the provider acquired the data' },
    items: { type: 'string', value: 'A,B', description: 'items received, comma-separated' },
    'consent-ref': { type: 'string', value: 'REF', description: 'the consent that allows it' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: ['wasure provide receipt --subject S-1 --from "株式会社サンプル" --address "東京都…" --acquisition "本人の同意" --items 氏名,住所'],
  usage: 'provide receipt --subject ID --from NAME --address ADDR --acquisition HOW --items A,B [--consent-ref REF]   record a receipt confirmation',
  async run(ctx) {
    const { subject } = requiredOptions(ctx.args, 'provide receipt', { subject: '' });
    const runtime = await ctx.runtime();
    const consentRef = optionString(ctx.args, 'consent-ref');
    const representative = optionString(ctx.args, 'representative');
    const result = await recordReceipt(runtime.deps, {
      subjectId: subject,
      providerName: optionString(ctx.args, 'from') ?? '',
      providerAddress: optionString(ctx.args, 'address') ?? '',
      ...(representative === undefined ? {} : { providerRepresentative: representative }),
      acquisition: optionString(ctx.args, 'acquisition') ?? '',
      items: (optionString(ctx.args, 'items') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
      ...(consentRef === undefined ? {} : { consentRef }),
      actor: `admin:${optionString(ctx.args, 'actor') ?? 'cli'}`,
    });
    ctx.out(ctx.json ? JSON.stringify(result, null, 2) : `receipt recorded as ${result.receiptRecordId}`);
    return 0;
  },
};
