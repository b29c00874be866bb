#ifndef CGNUTLS_SHIM_H
#define CGNUTLS_SHIM_H

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

/* GNUTLS_CURVE_TO_BITS is a macro Swift cannot import: the bits argument that asks
 * gnutls_x509_privkey_generate for a P-256 key. */
static inline unsigned int cgnutls_p256_bits(void) {
    return GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
}

/* gnutls_free is a function-pointer variable; calling it through a function keeps Swift simple. */
static inline void cgnutls_free_datum(gnutls_datum_t *datum) {
    gnutls_free(datum->data);
    datum->data = NULL;
    datum->size = 0;
}

/* gnutls_transport_set_int is a function-like macro (over gnutls_transport_set_int2). */
static inline void cgnutls_transport_set_int(gnutls_session_t session, int descriptor) {
    gnutls_transport_set_int2(session, descriptor, descriptor);
}

#endif
