import { describe, expect, it } from 'vitest';
import { leafHash, merkleRoot } from '#shared/domain/audit-chain.ts';
import { inclusionProof, rootFromInclusionProof, verifyInclusion } from '#shared/domain/merkle-proof.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// Certificate Transparency's reference data (RFC 6962 test vectors as
// published with the CT and transparency-dev/merkle test suites).
const CT_DATA = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_PROOFS: readonly { index: number; size: number; path: string[] }[] = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const flip = (b: Uint8Array): Buffer => {
  const copy = Buffer.from(b);
  copy[0] = (copy[0] as number) ^ 1;
  return copy;
};

describe('merkle-proof', () => {
  const leaves = Array.from({ length: 33 }, (_, i) => leafHash(Buffer.from(`event-${i}`)));

  it('proves every leaf of trees of 1..33 leaves against the frontier root', () => {
    for (let size = 1; size <= leaves.length; size += 1) {
      // Prepare
      const tree = leaves.slice(0, size);
      const root = unhex(merkleRoot(tree));
      for (let index = 0; index < size; index += 1) {
        // Act
        const path = inclusionProof(leaves, index, size);
        // Assess
        expect(verifyInclusion(index, size, tree[index] as Buffer, path, root), `leaf ${index} of ${size}`).toBe(true);
      }
    }
  });

  it('refuses a wrong index, a wrong size, an altered sibling and an altered leaf', () => {
    for (let size = 2; size <= leaves.length; size += 1) {
      const root = unhex(merkleRoot(leaves.slice(0, size)));
      for (let index = 0; index < size; index += 1) {
        // Prepare
        const leaf = leaves[index] as Buffer;
        const path = inclusionProof(leaves, index, size);
        // Act / Assess
        for (const other of [index - 1, index + 1, index ^ 2]) {
          if (other !== index && other >= 0) {
            expect(verifyInclusion(other, size, leaf, path, root), `index ${other} for ${index} of ${size}`).toBe(false);
          }
        }
        // A path does not bind every size (leaf 0 of 3 and of 4 share one
        // shape): the signed checkpoint fixes the size, the path its shape.
        expect(verifyInclusion(index, size * 2, leaf, path, root)).toBe(false);
        if (index < Math.floor(size / 2)) {
          expect(verifyInclusion(index, Math.floor(size / 2), leaf, path, root)).toBe(false);
        }
        for (let j = 0; j < path.length; j += 1) {
          const altered = path.map((p, k) => (k === j ? flip(p) : p));
          expect(verifyInclusion(index, size, leaf, altered, root)).toBe(false);
        }
        expect(verifyInclusion(index, size, flip(leaf), path, root)).toBe(false);
        expect(verifyInclusion(index, size, leaf, path.slice(1), root)).toBe(false);
        expect(verifyInclusion(index, size, leaf, [...path, leaf], root)).toBe(false);
      }
    }
  });

  it('matches the RFC 6962 reference roots and inclusion proofs', () => {
    // Prepare
    const ct = CT_DATA.map((d) => leafHash(d));
    // Act / Assess
    CT_ROOTS.forEach((root, i) => {
      expect(merkleRoot(ct.slice(0, i + 1))).toBe(root);
    });
    for (const v of CT_PROOFS) {
      const path = inclusionProof(ct, v.index, v.size);
      expect(path.map(hex), `leaf ${v.index} of ${v.size}`).toEqual(v.path);
      expect(hex(rootFromInclusionProof(v.index, v.size, ct[v.index] as Buffer, v.path.map(unhex)) ?? Buffer.alloc(0))).toBe(
        CT_ROOTS[v.size - 1],
      );
    }
  });

  it('refuses to build a proof outside the tree', () => {
    // Act / Assess
    expect(() => inclusionProof(leaves, 3, 3)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0, 0)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0, leaves.length + 1)).toThrow(RangeError);
    expect(rootFromInclusionProof(-1, 4, leaves[0] as Buffer, [])).toBeUndefined();
  });
});
