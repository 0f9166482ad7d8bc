#!/usr/bin/env bash
# tests/vectors/tls/gen.sh: makes the test PKI of tests/vectors/tls (keys,
# certificates, chains, DER copies), the C header tls_vectors.h that embeds
# every file, and the fuzz seeds of fuzz/corpus/tls_pem/.
#
#   bash tests/vectors/tls/gen.sh        (from the top of the tree)
#
# Needs openssl (1.1.1 or 3.x) and xxd. Keys are random: every run makes a
# different PKI, so the files are generated once and committed; tests only
# rely on the relations between the files (README.md), never on their bytes.
# Certificates are issued with `openssl ca` because OpenSSL 3.0's
# `x509 -req` cannot set a notBefore in the past (the expired certificate).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
corpus=$top/fuzz/corpus/tls_pem
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Good certificates: valid from 2025 to the end of 2099 (interop tests use
# the real clock). The expired one: 2001 to 2002.
GOOD_START=20250101000000Z
GOOD_END=20991231235959Z
OLD_START=20010101000000Z
OLD_END=20021231235959Z

cd "$here"
rm -f ./*.pem ./*.key ./*.der tls_vectors.h

cat > "$tmp/ca.cnf" <<EOF
[ ca ]
default_ca = erg_ca

[ erg_ca ]
dir = $tmp
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = erg_policy
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes

[ erg_policy ]
commonName = supplied
organizationName = optional

[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::SAN

[ ext_leaf_nosan ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

reset_db() {
	rm -rf "$tmp/new" "$tmp/index.txt"* "$tmp/serial"*
	mkdir -p "$tmp/new"
	: > "$tmp/index.txt"
	openssl rand -hex 8 > "$tmp/serial"
}

# ec_key NAME CURVE: SEC1 "EC PRIVATE KEY" (no parameters block).
ec_key() {
	openssl ecparam -name "$2" -genkey -noout -out "$1.key"
}

# rsa_key NAME BITS: PKCS#1 "RSA PRIVATE KEY".
rsa_key() {
	openssl genrsa -traditional -out "$1.key" "$2" 2> /dev/null
}

# pk8 IN OUT: the key in PKCS#8 "PRIVATE KEY" form.
pk8() {
	openssl pkcs8 -topk8 -nocrypt -in "$1" -out "$2"
}

# self_ca NAME SUBJECT: a self-signed root CA for key NAME.key.
self_ca() {
	reset_db
	openssl req -new -key "$1.key" -subj "$2" -out "$tmp/$1.csr"
	SAN= openssl ca -batch -notext -config "$tmp/ca.cnf" -selfsign \
	    -keyfile "$1.key" -in "$tmp/$1.csr" -out "$1.pem" \
	    -startdate $GOOD_START -enddate $GOOD_END -extensions ext_ca \
	    2> "$tmp/ca.log" || { cat "$tmp/ca.log" >&2; exit 1; }
}

# leaf NAME CN SAN CA START END [EXT]: NAME.pem for key NAME.key, issued by
# CA (CA.pem, CA.key); SAN "" with EXT ext_leaf_nosan for none.
leaf() {
	local name=$1 cn=$2 san=$3 ca=$4 start=$5 end=$6 ext=${7:-ext_leaf}

	reset_db
	openssl req -new -key "$name.key" -subj "/CN=$cn" \
	    -out "$tmp/$name.csr"
	SAN=$san openssl ca -batch -notext -config "$tmp/ca.cnf" \
	    -cert "$ca.pem" -keyfile "$ca.key" -in "$tmp/$name.csr" \
	    -out "$name.pem" -startdate "$start" -enddate "$end" \
	    -extensions "$ext" 2> "$tmp/ca.log" ||
	    { cat "$tmp/ca.log" >&2; exit 1; }
}

# ---- Roots ---------------------------------------------------------------

ec_key ca prime256v1
self_ca ca "/O=erg/CN=erg test root CA"
ec_key ca2 prime256v1
self_ca ca2 "/O=erg/CN=erg unrelated root CA"
# A root with an Ed25519 key: BearSSL cannot use it as a trust anchor.
openssl genpkey -algorithm ed25519 -out ed25519.key
reset_db
openssl req -new -key ed25519.key -subj "/O=erg/CN=erg ed25519 root CA" \
    -out "$tmp/ed25519.csr"
SAN= openssl ca -batch -notext -config "$tmp/ca.cnf" -selfsign \
    -keyfile ed25519.key -in "$tmp/ed25519.csr" -out ed25519-ca.pem \
    -startdate $GOOD_START -enddate $GOOD_END -extensions ext_ca \
    -md default 2> "$tmp/ca.log" || { cat "$tmp/ca.log" >&2; exit 1; }

# ---- Server certificates -------------------------------------------------

ec_key ec256 prime256v1
leaf ec256 erg.test "DNS:erg.test,DNS:*.erg.test" ca $GOOD_START $GOOD_END
pk8 ec256.key ec256.pk8.key

ec_key ec384 secp384r1
pk8 ec384.key "$tmp/ec384.pk8" && mv "$tmp/ec384.pk8" ec384.key
leaf ec384 p384.erg.test "DNS:p384.erg.test" ca $GOOD_START $GOOD_END

# P-521, SEC1 with the "EC PARAMETERS" block openssl puts before it.
openssl ecparam -name secp521r1 -genkey -out ec521.key
leaf ec521 p521.erg.test "DNS:p521.erg.test" ca $GOOD_START $GOOD_END

rsa_key rsa2048 2048
leaf rsa2048 rsa.erg.test "DNS:rsa.erg.test" ca $GOOD_START $GOOD_END
pk8 rsa2048.key rsa2048.pk8.key

rsa_key rsa4096 4096
pk8 rsa4096.key "$tmp/rsa4096.pk8" && mv "$tmp/rsa4096.pk8" rsa4096.key
leaf rsa4096 rsa4096.erg.test "DNS:rsa4096.erg.test" ca \
    $GOOD_START $GOOD_END

ec_key expired prime256v1
leaf expired expired.erg.test "DNS:expired.erg.test" ca $OLD_START $OLD_END

ec_key cnonly prime256v1
leaf cnonly cnonly.erg.test "" ca $GOOD_START $GOOD_END ext_leaf_nosan

ec_key partial prime256v1
leaf partial partial.erg.test "DNS:f*.erg.test" ca $GOOD_START $GOOD_END

rsa_key other 2048
leaf other other.test "DNS:other.test" ca $GOOD_START $GOOD_END

ec_key wrongca prime256v1
leaf wrongca erg.test "DNS:erg.test,DNS:*.erg.test" ca2 \
    $GOOD_START $GOOD_END

rsa_key rsa1024 1024
leaf rsa1024 rsa1024.erg.test "DNS:rsa1024.erg.test" ca \
    $GOOD_START $GOOD_END

# A key on a curve BearSSL does not do.
ec_key k256 secp256k1

# ---- Chains and DER --------------------------------------------------------

for n in ec256 ec384 ec521 rsa2048 rsa4096 expired cnonly partial other \
    rsa1024; do
	cat "$n.pem" ca.pem > "$n.chain.pem"
done
cat wrongca.pem ca2.pem > wrongca.chain.pem

for n in ec256 ec384 ec521 rsa2048 rsa4096; do
	openssl x509 -in "$n.pem" -outform DER -out "$n.der"
done
# DER keys in the form of the PEM file: SEC1, PKCS#8, SEC1, PKCS#1, PKCS#8.
openssl ec -in ec256.key -outform DER -out ec256.key.der 2> /dev/null
openssl pkcs8 -topk8 -nocrypt -in ec384.key -outform DER -out ec384.key.der
openssl ec -in ec521.key -outform DER -out ec521.key.der 2> /dev/null
openssl rsa -in rsa2048.key -traditional -outform DER -out rsa2048.key.der \
    2> /dev/null
openssl pkcs8 -topk8 -nocrypt -in rsa4096.key -outform DER \
    -out rsa4096.key.der

# Test keys, public on purpose: readable like the rest of the tree.
chmod 644 ./*.key ./*.der ./*.pem

# ---- tls_vectors.h ---------------------------------------------------------

# C identifier for a file name: tls_ + name with [.-] as _.
cname() {
	local n=${1//./_}
	echo "tls_${n//-/_}"
}

{
	cat <<'EOF'
/*
 * tls_vectors.h: the test PKI of tests/vectors/tls, embedded.
 *
 * GENERATED by tests/vectors/tls/gen.sh; do not edit (README.md says what
 * each file is for). For each file NAME.EXT there is an array
 * tls_NAME_EXT ('.' and '-' as '_') and its length in bytes,
 * tls_NAME_EXT_len: PEM files as strings (the length leaves the
 * terminating NUL out), DER files as byte arrays. TLS_VEC(x) expands to
 * "tls_x, tls_x_len" for the (data, length) argument pairs of erg/tls.h.
 */
#ifndef ERG_TESTS_VECTORS_TLS_VECTORS_H
#define ERG_TESTS_VECTORS_TLS_VECTORS_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define ERG_TLSVEC_UNUSED __attribute__((unused))
#else
#define ERG_TLSVEC_UNUSED
#endif

#define TLS_VEC(x) tls_##x, tls_##x##_len

EOF
	for f in $(ls ./*.pem ./*.key ./*.der | sed 's|^\./||' | LC_ALL=C sort); do
		c=$(cname "$f")
		echo "/* $f */"
		case $f in
		*.der)
			echo "static const unsigned char $c[] ERG_TLSVEC_UNUSED = {"
			xxd -i < "$f"
			echo "};"
			echo "#define ${c}_len sizeof($c)"
			;;
		*)
			echo "static const char $c[] ERG_TLSVEC_UNUSED ="
			sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' \
			    -e 's/$/\\n"/' "$f"
			echo ";"
			echo "#define ${c}_len (sizeof($c) - 1)"
			;;
		esac
		echo
	done
	echo '#endif'
} > tls_vectors.h

# ---- Fuzz seeds (fuzz/fuzz_tls_pem.c: delimiter byte, chain, delimiter,
# key) --------------------------------------------------------------------------

# A byte value (hex) that file $1 does not contain.
free_byte() {
	local d used
	used=$(xxd -p -c1 "$1" | sort -u)
	for d in $(seq 1 255); do
		d=$(printf '%02x' "$d")
		if ! grep -qx "$d" <<< "$used"; then
			echo "$d"
			return
		fi
	done
	echo "gen.sh: no free byte in $1" >&2
	exit 1
}

# seed OUT CHAIN KEY: delimiter, chain, delimiter, key (KEY may be "").
seed() {
	local d
	d=$(free_byte "$2")
	{
		printf "\\x$d"
		cat "$2"
		if [ -n "$3" ]; then
			printf "\\x$d"
			cat "$3"
		fi
	} > "$corpus/$1"
}

mkdir -p "$corpus"
rm -f "$corpus"/seed-*
seed seed-pem-ec256-chain ec256.chain.pem ec256.key
seed seed-pem-ec256-pk8 ec256.pem ec256.pk8.key
seed seed-pem-ec521-params ec521.pem ec521.key
seed seed-pem-rsa2048 rsa2048.pem rsa2048.key
seed seed-pem-mismatch ec256.pem expired.key
seed seed-pem-rsa1024 rsa1024.pem rsa1024.key
seed seed-der-ec256 ec256.der ec256.key.der
seed seed-der-ec384-pk8 ec384.der ec384.key.der
cat ca.pem ca2.pem ed25519-ca.pem > "$tmp/bundle.pem"
seed seed-bundle "$tmp/bundle.pem" ""

echo "gen.sh: $(ls ./*.pem ./*.key ./*.der | wc -l) files," \
    "$(du -cb ./*.pem ./*.key ./*.der tls_vectors.h | tail -1 | cut -f1)" \
    "bytes with tls_vectors.h"
