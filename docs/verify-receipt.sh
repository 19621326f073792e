#!/bin/sh
# Checks a wasure erasure receipt (wasure-erasure-receipt/1) without wasure:
# openssl does every hash and the signature check; python3 (standard
# library only) just reads the JSON and writes the exact bytes that were
# hashed and signed (sorted keys, no spaces, UTF-8, hash fields removed).
#
#   sh verify-receipt.sh receipt.json
#
# Exit 0: every erasure event is in the signed tree and the checkpoint
# signature verifies with the receipt's key (compare the printed key
# fingerprint with the one the controller publishes). Exit 2: the receipt
# does not verify (the reason is printed). Exit 1: it could not be checked.
set -eu

receipt=${1:-}
if [ -z "$receipt" ] || [ ! -r "$receipt" ]; then
  echo "usage: sh verify-receipt.sh RECEIPT.json" >&2
  exit 1
fi
for tool in openssl python3 od; do
  command -v "$tool" >/dev/null 2>&1 || { echo "needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

fail() {
  echo "receipt INVALID: $*"
  exit 2
}

# 1. Extract the signed bytes, the key and, per event, its bytes and path.
python3 - "$receipt" "$work" <<'PY' || fail "not a wasure-erasure-receipt/1 document"
import base64, json, os, sys

receipt, out = sys.argv[1], sys.argv[2]
with open(receipt, encoding='utf-8') as f:
    r = json.load(f)

def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')

def write(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)

if r.get('format') != 'wasure-erasure-receipt/1' or not r.get('events'):
    sys.exit(2)
cp = dict(r['checkpoint'])
write('signature.bin', base64.b64decode(cp.pop('signature'), validate=True))
write('checkpoint.bin', canonical(cp))
write('key.pem', r['publicKey'].encode('ascii'))
plan = ['%s %d %s %s' % (cp['algorithm'], cp['treeSize'], cp['rootHash'], r['subjectPseudonym'])]
for i, event in enumerate(r['events']):
    write('event%d.bin' % i, canonical({k: v for k, v in event.items() if k not in ('leafHash', 'prevHash', 'chainHash')}))
    proof = next((p for p in r['proofs'] if p['seq'] == event['seq']), None)
    if proof is None:
        plan.append('%d %d -1 -1 %s %s 0' % (i, event['seq'], event.get('subjectPseudonym', '-'), event.get('action', '-')))
        continue
    for j, sibling in enumerate(proof['path']):
        write('sibling%d-%d.bin' % (i, j), bytes.fromhex(sibling))
    plan.append('%d %d %d %d %s %s %d' % (i, event['seq'], proof['leafIndex'], proof['treeSize'],
                                          event.get('subjectPseudonym', '-'), event.get('action', '-'), len(proof['path'])))
write('plan', ('\n'.join(plan) + '\n').encode('ascii'))
PY

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
# sha256(prefix byte ‖ files…) into $work/h
hash_with() {
  prefix=$1
  shift
  { printf "$prefix"; cat "$@"; } | openssl dgst -sha256 -binary >"$work/h.new"
  mv "$work/h.new" "$work/h"
}

# 2. The checkpoint signature (KMS algorithm names).
read -r algorithm tree_size root_hash subject <"$work/plan"
case $algorithm in
  ED25519_SHA_512)
    openssl pkeyutl -verify -pubin -inkey "$work/key.pem" -rawin \
      -in "$work/checkpoint.bin" -sigfile "$work/signature.bin" >/dev/null 2>&1 ||
      fail "the checkpoint signature does not verify" ;;
  ECDSA_SHA_256)
    openssl dgst -sha256 -verify "$work/key.pem" -signature "$work/signature.bin" \
      "$work/checkpoint.bin" >/dev/null 2>&1 ||
      fail "the checkpoint signature does not verify" ;;
  *) fail "unsupported checkpoint algorithm $algorithm" ;;
esac

# 3. Each event: its leaf hash, then up the inclusion path (RFC 9162 2.1.3.2).
events=0
tail -n +2 "$work/plan" >"$work/events"
while read -r i seq leaf_index proof_size event_subject action path_length; do
  [ "$event_subject" = "$subject" ] || fail "event $seq is not about the receipt's subject"
  case $action in erasure | key-destroyed) ;; *) fail "event $seq is not an erasure" ;; esac
  [ "$leaf_index" -ge 0 ] || fail "event $seq has no inclusion proof"
  [ "$leaf_index" = "$seq" ] && [ "$proof_size" = "$tree_size" ] ||
    fail "the proof of event $seq is not for leaf $seq of the checkpoint's tree"
  hash_with '\000' "$work/event$i.bin"
  fn=$seq
  sn=$((tree_size - 1))
  j=0
  while [ "$j" -lt "$path_length" ]; do
    [ "$sn" -gt 0 ] || fail "the inclusion proof of event $seq is too long"
    sibling="$work/sibling$i-$j.bin"
    if [ $((fn & 1)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      hash_with '\001' "$sibling" "$work/h"
      while [ $((fn & 1)) -eq 0 ] && [ "$fn" -ne 0 ]; do
        fn=$((fn >> 1))
        sn=$((sn >> 1))
      done
    else
      hash_with '\001' "$work/h" "$sibling"
    fi
    fn=$((fn >> 1))
    sn=$((sn >> 1))
    j=$((j + 1))
  done
  [ "$sn" -eq 0 ] && [ "$(hex "$work/h")" = "$root_hash" ] ||
    fail "event $seq is not in the signed tree (its path does not lead to the checkpoint's root)"
  events=$((events + 1))
done <"$work/events"

fingerprint=$(openssl pkey -pubin -in "$work/key.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
echo "receipt valid: $events erasure event(s) are in the signed tree of $tree_size events ($algorithm)"
echo "signing key sha256:$fingerprint — compare it with the fingerprint the controller publishes"
