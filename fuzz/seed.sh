#!/usr/bin/env bash
# Seed fuzz/corpus/<target>/ from testdata/ (the corpora are not committed; libFuzzer grows them when it runs).
# Single files for every target; for the multi-input targets also whole bundles (every file of a testdata folder
# joined with the separator of fuzz/src/lib.rs) so the fuzzer starts from complete leaf + key + root sets.
# Usage: fuzz/seed.sh  (idempotent: seeds are named by content hash)
set -euo pipefail
cd "$(dirname "$0")"
TD=../testdata
SPLIT=$'\n--certpack-fuzz-next-input--\n'
TARGETS=(load_any pem_scan aws_json bundle_assemble convert_all pack_all inspect_report)

# Small inputs of every kind: PEM, DER, JSON, encrypted keys, messy variants, device containers, bad cases.
mapfile -t FILES < <(find "$TD/aws" "$TD/aws-cli" "$TD/azure" "$TD/encrypted" "$TD/messy" "$TD/roots" \
  "$TD/vectors/der" "$TD/vectors/espressif" "$TD/vectors/module-digests" "$TD/bad" "$TD/fuzz-regressions" \
  -type f -size -64k ! -name 'MANIFEST*' ! -name '*.md' ! -name '*.tsv' ! -name '*.S' ! -name '*.csv' \
  2>/dev/null | LC_ALL=C sort)

put() { # put TARGET FILE: copy FILE into the corpus under its sha1
  local dir="corpus/$1"
  mkdir -p "$dir"
  cp "$2" "$dir/$(sha1sum "$2" | cut -c1-40)"
}

join_folder() { # join_folder DIR OUT: every file of DIR, separated by SPLIT
  local first=1
  : >"$2"
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    if [ $first = 0 ]; then printf '%s' "$SPLIT" >>"$2"; fi
    cat "$f" >>"$2"
    first=0
  done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in "${TARGETS[@]}"; do
  for f in "${FILES[@]}"; do put "$t" "$f"; done
done
n=0
for dir in "$TD/aws/rsa" "$TD/aws/ec" "$TD/azure/x509" "$TD/vectors/der/rsa2048" "$TD/vectors/der/p256" \
  "$TD/vectors/espressif/multi" "$TD/encrypted"; do
  n=$((n + 1))
  join_folder "$dir" "$tmp/bundle-$n"
  for t in aws_json bundle_assemble convert_all pack_all inspect_report; do put "$t" "$tmp/bundle-$n"; done
done
# pack_all: a bundle with a first line of target parameters (see fuzz_targets/pack_all.rs; without target=, the
# target is chosen by a hash of the input).
for params in 'target=c-array;eol=crlf;key-format=pkcs8;form=pem;names=ca,cert,key;nul=true' \
  'target=esp32-at;set=1;content=der;chain=true;quirk-all-type-2=true' \
  'target=esp-at-v3;chip=esp32;mfg-offset=0x3e000;mfg-size=0x2000' \
  'target=esp8266-nonos;ca-sector=0x3b;cert-sector=0x3c;max-size=4096;preset=default' \
  'target=quectel;endpoint=myhub.azure-devices.net;device-id=mydevice;client-id=dev1;topic=t/1;port=8883;apn=iot' \
  'target=arduino;style=escaped;progmem=true;static=false;prefix=aws_' \
  'target=platformio;framework=arduino;dir=certs' 'target=nrf91;sec-tag=42;mqtt=true'; do
  n=$((n + 1))
  { printf 'params: %s\n' "$params"; cat "$tmp/bundle-1"; } >"$tmp/params-$n"
  put pack_all "$tmp/params-$n"
done
for t in "${TARGETS[@]}"; do
  printf '%-16s %5d seeds\n' "$t" "$(find "corpus/$t" -type f | wc -l)"
done
