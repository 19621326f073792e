import { describe, expect, it } from 'vitest';
import { classifyChange } from '#shared/domain/stream-changes.ts';
import { toChanges } from '#functions/events/records-stream-changes.ts';

const tagged = {
  recordId: 'r-1',
  subjectPseudonym: 'P-1',
  dataset: 'd',
  purposes: ['p'],
  retention: { basis: 'law' },
  categories: ['basic'],
  policyVersion: 'v1',
  acquiredAt: '2026-01-01T00:00:00Z',
};

describe('records-table change classification', () => {
  it.each([
    ['an ingest', { eventName: 'INSERT' as const, newImage: tagged }, 'tagged-write'],
    ['an update', { eventName: 'MODIFY' as const, oldImage: tagged, newImage: { ...tagged, status: 'restricted' } }, 'tagged-write'],
    ['a tombstone', { eventName: 'MODIFY' as const, oldImage: tagged, newImage: { recordId: 'r-1', status: 'erased' } }, 'tombstone'],
    ['a TTL expiry', { eventName: 'REMOVE' as const, userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }, oldImage: tagged }, 'ttl-expiry'],
    ['a delete by someone', { eventName: 'REMOVE' as const, oldImage: tagged }, 'direct-delete'],
    ['a write that bypassed tagging', { eventName: 'INSERT' as const, newImage: { recordId: 'x', name: 'someone' } }, 'untagged-write'],
    ['a write with no purposes', { eventName: 'INSERT' as const, newImage: { ...tagged, purposes: [] } }, 'untagged-write'],
  ])('classifies %s', (_name, change, kind) => {
    expect(classifyChange(change).kind).toBe(kind);
  });

  it('names the missing tags of an untagged write, not its values', () => {
    const c = classifyChange({ eventName: 'INSERT', newImage: { recordId: 'x', dataset: 'd', name: '水戸 花子' } });
    expect(c.missing).toEqual(['subjectPseudonym', 'purposes', 'retention', 'categories', 'policyVersion', 'acquiredAt']);
    expect(JSON.stringify(c)).not.toContain('水戸');
  });
});

describe('stream records as the Streams client delivers them', () => {
  it('reads a false flag that arrives as an empty union', async () => {
    const { toChanges } = await import('#functions/events/records-stream-changes.ts');
    const [change] = toChanges([
      {
        eventName: 'REMOVE',
        dynamodb: {
          OldImage: {
            recordId: { S: 'r-1' },
            documents: { L: [{ M: { name: { S: 'a.txt' }, sealed: {} } }] },
          },
        },
      },
    ]);
    expect(change?.oldImage).toEqual({ recordId: 'r-1', documents: [{ name: 'a.txt', sealed: null }] });
  });
});

describe('stream records → changes', () => {
  const old = { recordId: { S: 'r-1' }, status: { S: 'active' } };

  it('reads a removal under an event name the SDK does not know (DynamoDB Local\'s TTL job) as a TTL expiry, whatever clock wasure runs on', () => {
    const [change] = toChanges([{ eventName: 'UNKNOWN_TO_SDK_VERSION', dynamodb: { OldImage: old } }]);
    expect(change?.eventName).toBe('REMOVE');
    expect(classifyChange({ ...change, eventName: 'REMOVE', oldImage: tagged }).kind).toBe('ttl-expiry');
  });

  it('keeps a plain REMOVE without identity a delete by someone, and never invents an identity for inserts', () => {
    const [removal, insert] = toChanges([
      { eventName: 'REMOVE', dynamodb: { OldImage: old } },
      { eventName: 'UNKNOWN_TO_SDK_VERSION', dynamodb: { NewImage: old } },
    ]);
    expect(removal?.userIdentity).toBeUndefined();
    expect(insert?.eventName).toBe('INSERT');
    expect(insert?.userIdentity).toBeUndefined();
  });
});
