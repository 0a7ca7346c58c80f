#!/usr/bin/env bash
# The reference workload done the way people do it today: openssl + xxd (+ a python helper for the ESP-AT bins
# and the Quectel checksum), one device folder at a time. Usage: openssl_pipeline.sh FLEET_DIR OUT_DIR [COUNT]
set -euo pipefail
fleet=$1 out=$2 count=${3:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
n=0
for dev in "$fleet"/*/; do
  [ "$n" -ge "$count" ] && break
  n=$((n + 1))
  name=$(basename "$dev"); o="$out/$name"; mkdir -p "$o"
  cert=$(ls "$dev"*-certificate.pem.crt); key=$(ls "$dev"*-private.pem.key); root="$dev/AmazonRootCA1.pem"
  a=$(openssl x509 -in "$cert" -noout -pubkey | sha256sum); b=$(openssl pkey -in "$key" -pubout | sha256sum)
  [ "$a" = "$b" ] || { echo "$name: key does not match" >&2; continue; }
  openssl x509 -in "$cert" -outform DER -out "$o/cert.der"
  openssl pkey -in "$key" -outform DER -out "$o/key.der"
  openssl x509 -in "$root" -outform DER -out "$o/root.der"
  openssl pkcs8 -topk8 -nocrypt -in "$key" -outform DER -out "$o/key.pk8.der"
  (cd "$o" && xxd -i cert.der && xxd -i key.der && xxd -i root.der) > "$o/certs.h"
  python3 "$here/esp_tools.py" atpki 2 "$cert" "$o/client_cert.bin"
  python3 "$here/esp_tools.py" atpki 3 "$key" "$o/client_key.bin"
  python3 "$here/esp_tools.py" atpki 1 "$root" "$o/client_ca.bin"
  for f in "$cert" "$key" "$root"; do
    cp "$f" "$o/$(basename "$f")"
    echo "$(basename "$f") $(stat -c %s "$f") $(python3 "$here/esp_tools.py" qfupl "$f")" >> "$o/qfupl.txt"
  done
  openssl x509 -in "$cert" -noout -fingerprint -sha256 | tr -d : | tr 'A-F' 'a-f' > "$o/certificate_id.txt"
done
